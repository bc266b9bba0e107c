"""The store example in docs/reliable-delivery.md prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliable-delivery.md"


def test_the_stores_example_prints_what_its_comments_say() -> None:
    section = DOC.read_text(encoding="utf-8").split("## Stores", 1)[1]
    code = re.search(r"^```python\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert code is not None
    said = [line.split("# ", 1)[1] for line in code[1].splitlines() if "print(" in line]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code[1], str(DOC), "exec"), {"__name__": "docs_example"})
    assert out.getvalue().splitlines() == said
