"""The anchors' virtualenvs, and the worker processes every side is measured in.

Each anchor lives in its own virtualenv under .tools/anchors/, made with this Python (the same
interpreter for every side) from a pinned requirements file, and remade when that file changes:

- gripcontrol: gripcontrol 4.4 + pubcontrol 3.5, with faas-grip 1.0.1's module added without its
  dependencies (its code path on gripcontrol 4.4);
- faas-grip-1.0.1: faas-grip 1.0.1 on its own pins (gripcontrol 3.3, pubcontrol 2.4, PyJWT 1.7).

faas-grip's cold start and import run from its built layer (`make layer`), copied next to a bare
virtualenv whose path lists it, as Lambda lists /opt/python: .tools/anchors/faas-grip-layer. Its
other measurements use the project's .venv. Anchors never share a virtualenv with faas-grip.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from faas_grip.settings import ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
ANCHORS_DIR = ROOT / ".tools" / "anchors"
BUILT_LAYER = ROOT / "build" / "layers" / "faas-grip"  # make layer's folder (python/ inside)
LAYER_ZIP = ROOT / "build" / "faas-grip-layer.zip"  # and its archive


@dataclass(frozen=True)
class Anchor:
    name: str
    requirements: str  # relative to the repository
    no_deps: tuple[str, ...] = ()  # added afterwards with --no-deps


ANCHORS = {
    "gripcontrol": Anchor(
        "gripcontrol", "requirements/anchor-gripcontrol.txt", no_deps=("faas-grip==1.0.1",)
    ),
    "faas-grip-1.0.1": Anchor("faas-grip-1.0.1", "requirements/anchor-faas-grip-1.0.1.txt"),
}


class AnchorError(RuntimeError):
    """An anchor's virtualenv could not be made; the message holds pip's last lines."""


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_anchor(anchor: Anchor, python: str = sys.executable, base: Path = ANCHORS_DIR) -> Path:
    """The Python of `anchor`'s virtualenv, made (or remade, if its pins changed) as needed."""
    venv = base / anchor.name
    requirements = (ROOT / anchor.requirements).read_bytes()
    wanted = hashlib.sha256(requirements + repr(anchor.no_deps).encode()).hexdigest()
    stamp = venv / ".installed"
    if stamp.is_file() and stamp.read_text() == wanted and venv_python(venv).exists():
        return venv_python(venv)
    shutil.rmtree(venv, ignore_errors=True)
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_ROOT_USER_ACTION="ignore")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # pip compiles bytecode, as a deployed layer has it
    pip = [str(venv_python(venv)), "-m", "pip", "install", "--quiet"]
    steps = [[python, "-m", "venv", str(venv)], [*pip, "-r", str(ROOT / anchor.requirements)]]
    if anchor.no_deps:
        steps.append([*pip, "--no-deps", *anchor.no_deps])
    for command in steps:
        run = subprocess.run(command, capture_output=True, text=True, env=env)
        if run.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            lines = [
                line for line in (run.stdout + run.stderr).splitlines() if "ignored" not in line
            ]
            raise AnchorError(f"{' '.join(command[-3:])} failed:\n" + "\n".join(lines[-15:]))
    stamp.write_text(wanted)
    return venv_python(venv)


def built_layer() -> Path:
    """make layer's faas-grip layer folder, built first if it (or its zip) is not there."""
    if not (BUILT_LAYER / "python").is_dir() or not LAYER_ZIP.is_file():
        subprocess.run(["make", "layer"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return BUILT_LAYER


def ensure_layer_python(python: str = sys.executable, base: Path = ANCHORS_DIR) -> Path:
    """A bare virtualenv's Python with a fresh copy of faas-grip's built layer on its path."""
    venv = base / "faas-grip-layer"
    if not venv_python(venv).exists():
        subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    copy = venv / "opt" / "python"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(built_layer() / "python", copy)
    (site_packages,) = (venv / "lib").glob("python*/site-packages")
    (site_packages / "faas-grip-layer.pth").write_text(f"{copy}\n")
    return venv_python(venv)


def side_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every side's processes run with: no inherited GRIP settings."""
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    env.update(extra or {})
    return env


class WorkerError(RuntimeError):
    """A worker answered a request with an error."""


class WorkerProcess:
    """benchmarks/worker.py running as one side, with that side's Python."""

    def __init__(self, side: str, python: str | os.PathLike[str]) -> None:
        self.side = side
        self.python = str(Path(python).absolute())  # the workers run elsewhere (cwd)
        self._log: IO[str] = tempfile.TemporaryFile("w+", prefix=f"bench-{side}-")  # noqa: SIM115
        self._process = subprocess.Popen(
            [self.python, str(BENCH_DIR / "worker.py"), side],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=side_environment(),
            cwd=tempfile.gettempdir(),  # nothing importable from a source tree but benchmarks/
        )

    def call(self, op: str, **args: Any) -> Any:
        """Send one request; its result, or WorkerError with the worker's message."""
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise WorkerError(f"the {self.side} worker exited: {self.stderr_tail()}")
        answer = json.loads(line)
        if "error" in answer:
            raise WorkerError(answer["error"])
        return answer["ok"]

    def stderr_tail(self, size: int = 2000) -> str:
        self._log.seek(0)
        return self._log.read()[-size:]

    def close(self) -> None:
        process = self._process
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        self._log.close()

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
