"""The built layer on its own: unzipped beside a clean runtime (boto3 only, as AWS's Python
runtime), it imports faas_grip and its dependencies from itself; the crypto layer adds ES256
Grip-Sig verification on every Python this machine has of the four the layers serve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.layer import runtime_probe

PROBE = Path(runtime_probe.__file__).read_text()
SHIPPED = ("requests", "urllib3", "idna", "certifi", "charset_normalizer", "jwt")


def probe(
    python: Path,
    *args: str,
    layers: list[Path],
    cwd: Path,
    env: dict[str, str] | None = None,
) -> Any:
    """Run runtime_probe.py under `python` with the layers' python/ folders on PYTHONPATH."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("GRIP_", "PYTHON", "POWERTOOLS_"))
    }
    clean["PYTHONPATH"] = os.pathsep.join(str(layer / "python") for layer in layers)
    done = subprocess.run(
        [str(python), "-s", "-c", PROBE, *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def imports(runtime_python: Path, layer: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return probe(runtime_python, "imports", layers=[layer], cwd=tmp_path_factory.mktemp("task"))


def test_faas_grip_loads_from_the_layer(imports: Any, layer: Path) -> None:
    assert Path(imports["faas_grip"]).is_relative_to(layer / "python")


def test_every_faas_grip_module_imports_in_the_clean_runtime(imports: Any) -> None:
    assert imports["failed"] == {}


def test_dependencies_load_from_the_layer_not_the_runtime(imports: Any) -> None:
    origins = imports["origins"]

    assert {name: origins[name] for name in SHIPPED} == dict.fromkeys(SHIPPED, "layer")
    assert imports["outside"] == []


def test_importing_faas_grip_does_not_load_dev_tooling(imports: Any) -> None:
    assert imports["dev_after_import"] is False
    assert imports["dev_importable"] is False


def _es256() -> tuple[str, str]:
    """A token signed as Fastly Fanout signs (ES256), and the PEM public key that verifies it."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode({"iss": "fastly", "exp": int(time.time()) + 600}, private, algorithm="ES256")
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return token, public.decode()


def test_es256_grip_sig_without_the_crypto_layer_says_to_attach_it(
    runtime_python: Path, layer: Path, tmp_path: Path
) -> None:
    token, public = _es256()

    result = probe(runtime_python, "verify", token, public, layers=[layer], cwd=tmp_path)

    assert "crypto layer" in result["error"]


def _local_pythons() -> list[Any]:
    """Interpreters of the layers' four versions found on this machine (pyenv's, or on PATH)."""
    found = []
    for minor in (10, 11, 12, 13):
        pyenv = Path.home() / ".pyenv" / "versions"
        candidates = sorted(map(str, pyenv.glob(f"3.{minor}.*/bin/python3.{minor}")))
        if sys.version_info[:2] == (3, minor):
            candidates.insert(0, sys._base_executable)
        marks = (
            [] if candidates else [pytest.mark.skip(reason=f"no Python 3.{minor} on this machine")]
        )
        found.append(
            pytest.param(candidates[0] if candidates else "", id=f"3.{minor}", marks=marks)
        )
    return found


@pytest.mark.parametrize("python", _local_pythons())
def test_crypto_layer_verifies_es256_grip_sig(
    python: str, layer: Path, crypto_layer: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    token, public = _es256()

    result = probe(
        venv / "bin" / "python", "verify", token, public, layers=[layer, crypto_layer], cwd=tmp_path
    )

    assert result == {"valid": True}
