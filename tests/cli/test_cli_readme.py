"""Every example command in README.md runs through the installed `adcli`, so the README
cannot drift from the program.

In a ```sh block, a line `$ adcli ...` (or `$ ... | adcli ...`, a pipeline run by
bash) is a command and the lines under it, up to the next `$` line or the end of
the block, are exactly what it prints: standard output, or both standard output and
standard error, in the order written, when the command ends with `# exit N` for
N > 0, which is also its expected exit code (0 otherwise). A line `adcli ...`
without `$` is a command whose output is not shown: it must exit 0. Lines are
compared exactly, trailing spaces too: tables print none.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent
EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")


@dataclass(frozen=True)
class Example:
    line: int
    command: str
    expected: str | None
    exit_code: int


def examples(text: str) -> list[Example]:
    found: list[Example] = []
    in_sh = False
    current: tuple[int, str, int] | None = None
    output: list[str] = []

    def close() -> None:
        nonlocal current, output
        if current is not None:
            line, command, code = current
            found.append(Example(line, command, "\n".join(output) + "\n", code))
        current, output = None, []

    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            if in_sh:
                close()
            in_sh = line.strip() == "```sh" and not in_sh
            continue
        if not in_sh:
            continue
        if line.startswith("$ "):
            close()
            command, code = line[2:], 0
            marker = EXIT.search(command)
            if marker:
                command, code = command[:marker.start()], int(marker.group(1))
            if command.startswith("adcli ") or "| adcli " in command:
                current = (number, command, code)
        elif current is not None:
            output.append(line)
        elif line.startswith("adcli "):
            found.append(Example(number, line, None, 0))
    return found


EXAMPLES = examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_examples_with_output():
    assert len(EXAMPLES) >= 20
    assert sum(e.expected is not None for e in EXAMPLES) >= 15
    assert {shlex.split(e.command.split("| ")[-1])[1] for e in EXAMPLES} >= {
        "eval", "grad", "jacobian", "hessian", "tape", "check"}


def test_example_parsing_reads_commands_outputs_and_exit_codes():
    text = ("```sh\n$ adcli eval 1 --format plain\n1.0\n$ adcli eval 'x'  # exit 2\n"
            "usage error\nadcli eval 2\n```\n```text\n$ adcli eval 3\n```\n")
    assert examples(text) == [
        Example(2, "adcli eval 1 --format plain", "1.0\n", 0),
        Example(4, "adcli eval 'x'", "usage error\nadcli eval 2\n", 2)]
    assert examples("```sh\nadcli eval 2\n```\n") == [Example(2, "adcli eval 2", None, 0)]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"README.md:{e.line}")
def test_readme_example(example: Example, tmp_path):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               COLUMNS="100", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    env.pop("ADCLI_ASCII", None)
    if "|" in example.command:
        argv = ["bash", "-c", "set -o pipefail; " + example.command]
    else:
        argv = [str(BIN / "adcli"), *shlex.split(example.command)[1:]]
    # A failing command shows everything it prints, both streams in the order written
    # (a REPL script prints values between its errors).
    done = subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT if example.exit_code else subprocess.PIPE,
                          text=True, env=env, cwd=tmp_path, timeout=60)
    errors = done.stdout if example.exit_code else done.stderr
    assert "Traceback" not in errors
    assert done.returncode == example.exit_code, errors
    if example.expected is not None:
        shown = done.stdout
        assert shown == example.expected
