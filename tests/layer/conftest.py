"""The deployable layer, built once per session both ways: `sam build` and `make layer`'s zips.

Builds go to temporary folders (build/ and .aws-sam/ stay as the developer left them). SAM CLI
comes from .tools/sam (`make sam`; `make test` runs it). The clean runtime is a virtualenv
holding only what AWS's Python runtime provides (requirements/layer-test.txt): the layer's
python/ folder goes on PYTHONPATH, as Lambda puts /opt/python on sys.path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
TEMPLATE = ROOT / "template.yaml"
LAYER_LIMIT = 2_000_000  # bytes: the main layer's zip stays under 2 MB

# What the session measured, shown after the run (the sizes docs/deploy.md quotes).
measured: dict[str, int] = {}


def run(args: list[str | Path]) -> subprocess.CompletedProcess[str]:
    """Run a build step; on failure show its output (the reason is usually in it)."""
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHON": sys.executable}
    done = subprocess.run(
        [str(a) for a in args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done


@pytest.fixture(scope="session")
def sam() -> Path:
    if not SAM.exists():
        pytest.fail(f"SAM CLI is not installed at {SAM}: run `make sam` (make test does)")
    return SAM


@pytest.fixture(scope="session")
def sam_build(sam: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sam build` of template.yaml (offline, no container); the folder of built resources."""
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    run([sam, "build", "--template", TEMPLATE, "--build-dir", build_dir])
    return build_dir


@pytest.fixture(scope="session")
def zips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make layer`'s archives (layer/Makefile target `zips`), without SAM."""
    build = tmp_path_factory.mktemp("layer-build")
    run(["make", "--no-print-directory", "-f", "layer/Makefile", "zips", f"BUILD={build}"])
    return build


def _unzip(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
    return into


@pytest.fixture(scope="session")
def layer(zips: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The faas-grip layer zip, extracted: the folder Lambda mounts at /opt."""
    return _unzip(zips / "faas-grip-layer.zip", tmp_path_factory.mktemp("opt"))


@pytest.fixture(scope="session")
def crypto_layer(zips: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The x86_64 crypto layer zip (this machine's architecture), extracted."""
    return _unzip(zips / "faas-grip-crypto-layer-x86_64.zip", tmp_path_factory.mktemp("opt-crypto"))


@pytest.fixture(scope="session")
def runtime_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with only boto3 and its dependencies, as in AWS's Python runtime."""
    venv = tmp_path_factory.mktemp("runtime") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            ROOT / "requirements" / "layer-test.txt",
        ]
    )
    return python


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, size in measured.items():
        terminalreporter.write_line(f"{name}: {size:,} bytes ({size / 1_000_000:.2f} MB)")
