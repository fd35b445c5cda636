"""The README's Python examples run, and print what their comments say they print.

In a ```python block, the comment on a line that calls print(), and the comment
lines right after it, are the expected output, line by line.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 2, m.group(1))
            for m in re.finditer(r"```python\n(.*?)```", text, flags=re.S)]


def expected_output(code: str) -> list[str]:
    expected, after_print = [], False
    for line in code.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            if after_print:
                expected.append(stripped[1:].strip())
            continue
        after_print = "print(" in line
        if after_print and "#" in line:
            expected.append(line.split("#", 1)[1].strip())
    return expected


def test_readme_has_python_examples() -> None:
    assert len(python_blocks()) >= 2


@pytest.mark.parametrize(("line", "code"), python_blocks(), ids=lambda v: str(v)[:20])
def test_readme_python_example(line: int, code: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "__readme__"})
    printed = [row.strip() for row in out.getvalue().splitlines()]
    assert printed == expected_output(code)
