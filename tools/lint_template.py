"""Lint template.yaml as CloudFormation will see it: SAM-translated, then cfn-lint.

`sam validate --lint` checks SAM resources only against their schemas, so a Runtime Lambda no
longer offers, or a misspelt property on an AWS::Serverless::* resource, passes it. This runs
the SAM translator (aws-sam-translator, the code behind CloudFormation's SAM transform) offline
and lints the CloudFormation it produces with cfn-lint.

    python -m tools.lint_template [TEMPLATE]    # exit status 1 when anything is reported

`make validate` runs it after `sam validate --lint`; tests/layer checks that it catches faults.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
REGION = "us-east-1"

# Where each SAM resource type keeps its local code folder; `sam deploy` swaps in S3 URIs.
_CODE_PROPERTY = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


def load(path: Path) -> dict[str, Any]:
    """A SAM template as data, short-form intrinsics (!Ref, !If…) expanded."""
    from cfnlint.decode.decode import decode

    template, errors = decode(str(path))
    if errors or template is None:
        raise SystemExit("\n".join(str(e) for e in errors) or f"{path}: empty template")
    return template


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation the SAM transform makes of `template`, with local code as S3 URIs."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import undo_mark_unicode_str_in_template

    template = copy.deepcopy(template)
    for name, resource in template.get("Resources", {}).items():
        prop = _CODE_PROPERTY.get(resource.get("Type"))
        properties = resource.get("Properties", {})
        if prop and isinstance(properties.get(prop), str):
            properties[prop] = f"s3://faas-grip-lint/{name}.zip"
    # A session with a region (and no credentials: nothing is called) gives the pseudo parameters;
    # the policies here are ARNs, so no managed-policy names need looking up.
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    translated = translator.translate(template, parameter_values={}, get_managed_policy_map=dict)
    return undo_mark_unicode_str_in_template(translated)


def lint(translated: dict[str, Any]) -> list[str]:
    """cfn-lint's findings (errors, warnings) on a translated template, one line each."""
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as cfn_lint

    matches = cfn_lint(json.dumps(translated), config=ManualArgs(regions=[REGION]))
    return [f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}" for m in matches]


def check(path: Path) -> list[str]:
    """Every problem the SAM translator or cfn-lint finds in the template at `path`."""
    from samtranslator.model.exceptions import InvalidDocumentException

    try:
        translated = translate(load(path))
    except InvalidDocumentException as exc:
        return [f"SAM {error.message}" for error in exc.causes]
    return lint(translated)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else TEMPLATE
    problems = check(path)
    for line in problems:
        print(line)
    print(f"{path.name}: translated and linted, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
