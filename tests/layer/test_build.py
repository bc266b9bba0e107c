"""What the builds put in the layers: `sam build` and `make layer` agree, nothing compiled or
local-only goes into the main layer, and the crypto layers carry a backend for every Python."""

from __future__ import annotations

import hashlib
import re
import sys
import zipfile
from pathlib import Path

import pytest

from tests.layer.conftest import LAYER_LIMIT, measured, run

RESOURCES = [
    "FaasGripLayer",
    "FaasGripCryptoLayerX86",
    "FaasGripCryptoLayerArm64",
    "ChatFunction",
    "StreamFunction",
    "LongPollFunction",
]
CRYPTO = {"x86_64": "x86_64", "arm64": "aarch64"}  # layer name → machine in file names and tags


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _digests(folder: Path) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in _files(folder)}


def _zip_names(archive: Path) -> set[str]:
    with zipfile.ZipFile(archive) as zf:
        return {n for n in zf.namelist() if not n.endswith("/")}


def test_sam_build_builds_every_layer_and_function(sam_build: Path) -> None:
    built = {p.name for p in sam_build.iterdir() if p.is_dir()}

    assert set(RESOURCES) <= built
    assert (sam_build / "FaasGripLayer" / "python" / "faas_grip" / "__init__.py").is_file()
    for function in ("ChatFunction", "StreamFunction", "LongPollFunction"):
        assert (sam_build / function / "app.py").is_file()


@pytest.mark.parametrize(
    ("resource", "archive"),
    [
        ("FaasGripLayer", "faas-grip-layer.zip"),
        ("FaasGripCryptoLayerX86", "faas-grip-crypto-layer-x86_64.zip"),
        ("FaasGripCryptoLayerArm64", "faas-grip-crypto-layer-arm64.zip"),
    ],
)
def test_sam_build_and_make_layer_give_the_same_files(
    sam_build: Path, zips: Path, resource: str, archive: str
) -> None:
    with zipfile.ZipFile(zips / archive) as zf:
        zipped = {n: hashlib.sha256(zf.read(n)).hexdigest() for n in _zip_names(zips / archive)}

    assert _digests(sam_build / resource) == zipped


def test_layer_zip_is_under_2_mb(zips: Path) -> None:
    size = (zips / "faas-grip-layer.zip").stat().st_size
    measured["faas-grip-layer.zip"] = size
    print(f"faas-grip-layer.zip: {size:,} bytes")

    assert size < LAYER_LIMIT


def test_layer_has_no_compiled_file(zips: Path) -> None:
    compiled = [
        n for n in _zip_names(zips / "faas-grip-layer.zip") if n.endswith((".so", ".pyd", ".dylib"))
    ]

    assert compiled == []


def test_layer_puts_everything_under_python(zips: Path) -> None:
    assert {n.split("/")[0] for n in _zip_names(zips / "faas-grip-layer.zip")} == {"python"}


def test_layer_leaves_out_dev_tooling_and_bytecode(zips: Path) -> None:
    names = _zip_names(zips / "faas-grip-layer.zip")

    assert "python/faas_grip/__init__.py" in names
    assert not [n for n in names if n.startswith("python/faas_grip/dev/")]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [
        n for n in names if n.startswith(("python/tests/", "python/examples/", "python/bin/"))
    ]


def test_layer_ships_faas_grip_and_its_dependencies(zips: Path) -> None:
    tops = {n.split("/")[1] for n in _zip_names(zips / "faas-grip-layer.zip")}

    assert {
        "faas_grip",
        "requests",
        "urllib3",
        "idna",
        "certifi",
        "charset_normalizer",
        "jwt",
    } <= tops
    assert not tops & {"boto3", "botocore", "aws_lambda_powertools", "cryptography"}


def test_layer_zip_bytes_do_not_depend_on_the_python_that_built_it(tmp_path: Path) -> None:
    from layer.zip_layer import zip_layer  # the script `make layer` runs

    other = tmp_path / "other-venv"
    run([sys.executable, "-m", "venv", other])  # another interpreter path, with its own pip
    archives = []
    for python in (Path(sys.executable), other / "bin" / "python"):
        built = tmp_path / f"built-{len(archives)}"
        run(
            [
                "make",
                "--no-print-directory",
                "-f",
                "layer/Makefile",
                "build-FaasGripLayer",
                f"ARTIFACTS_DIR={built}",
                f"PYTHON={python}",
            ]
        )
        zip_layer(built, tmp_path / f"{built.name}.zip")
        archives.append((tmp_path / f"{built.name}.zip").read_bytes())

    assert archives[0] == archives[1]


@pytest.mark.parametrize("arch", CRYPTO)
def test_crypto_layer_has_a_cffi_backend_for_every_python(zips: Path, arch: str) -> None:
    archive = zips / f"faas-grip-crypto-layer-{arch}.zip"
    measured[archive.name] = archive.stat().st_size
    backends = sorted(
        n for n in _zip_names(archive) if re.fullmatch(r"python/_cffi_backend\..*\.so", n)
    )

    assert backends == [
        f"python/_cffi_backend.cpython-3{minor}-{CRYPTO[arch]}-linux-gnu.so"
        for minor in (10, 11, 12, 13)
    ]


@pytest.mark.parametrize("arch", CRYPTO)
def test_crypto_layer_needs_no_newer_glibc_than_amazon_linux_2(zips: Path, arch: str) -> None:
    # python3.10 and python3.11 run on Amazon Linux 2 (glibc 2.26): manylinux2014 (2.17) only.
    with zipfile.ZipFile(zips / f"faas-grip-crypto-layer-{arch}.zip") as zf:
        tags = [
            line.split(": ", 1)[1]
            for name in zf.namelist()
            if name.endswith(".dist-info/WHEEL")
            for line in zf.read(name).decode().splitlines()
            if line.startswith("Tag: ")
        ]
    platforms = {tag.rsplit("-", 1)[1] for tag in tags} - {"any"}

    assert platforms == {f"manylinux2014_{CRYPTO[arch]}", f"manylinux_2_17_{CRYPTO[arch]}"}
