"""Layer zip size: faas-grip's layer beside the anchors' dependencies packed the same way.

faas-grip's is build/faas-grip-layer.zip from `make layer` (layer/Makefile). The anchors' stacks
(requirements/anchor-*.txt, without faas-grip 1.0.1's module for the gripcontrol stack) go through
the same steps: pip's pure-Python resolution for Lambda (`--platform any --implementation py
--python-version 3.10 --only-binary=:all: --no-compile`), console scripts dropped, zipped by
layer/zip_layer.py. gripcontrol, pubcontrol and faas-grip 1.0.1 publish only source archives:
they are built into (pure-Python) wheels first.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.anchors import ANCHORS, LAYER_ZIP, ROOT, built_layer

OURS = LAYER_ZIP
OUT = ROOT / "build" / "bench" / "layers"
PIP_INSTALL = [
    "install", "--quiet", "--disable-pip-version-check", "--no-compile", "--only-binary=:all:",
    "--platform", "any", "--implementation", "py", "--python-version", "3.10",
]  # fmt: skip
SDIST_ONLY = {
    "gripcontrol": ("gripcontrol==4.4.0", "pubcontrol==3.5.0"),
    "faas-grip-1.0.1": ("faas-grip==1.0.1", "gripcontrol==3.3.1", "pubcontrol==2.4.2"),
}


def _zip_layer() -> Any:
    """layer/zip_layer.py's `zip_layer` (the layer folder is not a package)."""
    spec = importlib.util.spec_from_file_location("zip_layer", ROOT / "layer" / "zip_layer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.zip_layer


def _pip(*args: str) -> None:
    env = dict(os.environ, PIP_ROOT_USER_ACTION="ignore")
    run = subprocess.run(
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, env=env
    )
    if run.returncode != 0:
        lines = [line for line in (run.stdout + run.stderr).splitlines() if "ignored" not in line]
        raise RuntimeError(f"pip {' '.join(args[:3])} failed:\n" + "\n".join(lines[-10:]))


def _drop_scripts(python: Path) -> None:
    """As layer/Makefile's drop_scripts: no bin/, nor its RECORD lines."""
    shutil.rmtree(python / "bin", ignore_errors=True)
    for record in python.glob("*.dist-info/RECORD"):
        lines = record.read_text().splitlines(keepends=True)
        record.write_text("".join(line for line in lines if not line.startswith("../../bin/")))


def pack_anchor(name: str, out: Path = OUT) -> Path:
    """Build the layer zip of anchor `name`'s dependencies; its path."""
    folder = out / name
    shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="faas-grip-bench-wheels-") as wheels:
        for requirement in SDIST_ONLY[name]:  # one at a time: their pins conflict across anchors
            _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, requirement)
        _pip(
            *PIP_INSTALL,
            "--find-links",
            wheels,
            "--target",
            str(folder / "python"),
            "-r",
            str(ROOT / ANCHORS[name].requirements),
        )
    _drop_scripts(folder / "python")
    archive = out / f"{name}-layer.zip"
    _zip_layer()(folder, archive)
    return archive


def describe(archive: Path) -> dict[str, Any]:
    """Zip size, unpacked size and file count of a layer archive."""
    with zipfile.ZipFile(archive) as zf:
        infos = [info for info in zf.infolist() if not info.is_dir()]
    # python/NAME/... (a package) or python/NAME.py (a module)
    top = {info.filename.split("/")[1].removesuffix(".py") for info in infos}
    return {
        "zip_bytes": archive.stat().st_size,
        "unpacked_bytes": sum(info.file_size for info in infos),
        "files": len(infos),
        "packages": sorted(name for name in top if not name.endswith(".dist-info")),
        "path": str(archive.relative_to(ROOT)) if archive.is_relative_to(ROOT) else str(archive),
    }


def measure(anchors: tuple[str, ...] = ("gripcontrol", "faas-grip-1.0.1")) -> dict[str, Any]:
    built_layer()
    results = {"faas-grip": describe(OURS)}
    for name in anchors:
        results[name] = describe(pack_anchor(name))
    return results
