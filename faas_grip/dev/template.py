"""The function timeout `faas-grip dev` uses: the one `template.yaml` gives the handler's function.

Lambda's default is 3 seconds; a SAM template sets `Timeout` per function or in
`Globals.Function`. The template is the first `template.yaml` (or `.yml`) found in the code folder
or a folder above it; the function is the one whose `Handler` (its own or the global one) is the
handler string and whose `CodeUri` is the code folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

LAMBDA_DEFAULT_TIMEOUT = 3.0  # seconds: Lambda's (and SAM's) default function timeout
_NAMES = ("template.yaml", "template.yml")
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def find_template(code_dir: Path) -> Path | None:
    """The nearest template.yaml at or above `code_dir`."""
    for folder in (code_dir, *code_dir.parents):
        for name in _NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def _load(template: Path) -> dict[str, Any] | None:
    try:
        import yaml  # PyYAML: faas-grip[dev] installs it
    except ImportError:
        return None

    class _Loader(yaml.SafeLoader):
        """Reads CloudFormation's short tags (!Ref, !Sub, ...) as plain values."""

    def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)  # type: ignore[arg-type]

    _Loader.add_multi_constructor("!", _any_tag)
    try:
        data = yaml.load(
            template.read_text(), Loader=_Loader
        )  # a SafeLoader: no object construction
    except (OSError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def function_timeout(handler: str, code_dir: Path) -> tuple[float, str]:
    """The function timeout in seconds for `handler` in `code_dir`, and where it came from."""
    code_dir = code_dir.resolve()
    template = find_template(code_dir)
    data = _load(template) if template is not None else None
    if template is None or data is None:
        return LAMBDA_DEFAULT_TIMEOUT, "Lambda's default"
    globals_ = (data.get("Globals") or {}).get("Function") or {}
    for resource in (data.get("Resources") or {}).values():
        if not isinstance(resource, dict) or resource.get("Type") not in _FUNCTION_TYPES:
            continue
        properties = resource.get("Properties") or {}
        code_uri = properties.get("CodeUri", globals_.get("CodeUri", "."))
        if properties.get("Handler", globals_.get("Handler")) != handler:
            continue
        if not isinstance(code_uri, str) or (template.parent / code_uri).resolve() != code_dir:
            continue
        timeout = _number(properties.get("Timeout", globals_.get("Timeout")))
        if timeout is not None:
            return timeout, str(template)
        return LAMBDA_DEFAULT_TIMEOUT, f"Lambda's default ({template} sets none)"
    return LAMBDA_DEFAULT_TIMEOUT, "Lambda's default"
