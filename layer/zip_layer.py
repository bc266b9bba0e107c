"""Zip a built layer folder (the one holding `python/`) into a Lambda layer archive.

Usage: python zip_layer.py SOURCE_DIR ARCHIVE.zip

Entries are sorted and dated 1980-01-01 so the same build gives the same bytes (and the same
CodeSha256 when published). Prints the archive's size.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

_EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_layer(source: Path, archive: Path) -> int:
    """Write `archive` from the files under `source`; return its size in bytes."""
    if not (source / "python").is_dir():
        raise SystemExit(f"{source} has no python/ folder: build the layer first")
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    return archive.stat().st_size


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    size = zip_layer(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{sys.argv[2]}: {size:,} bytes ({size / 1_000_000:.2f} MB)")


if __name__ == "__main__":
    main()
