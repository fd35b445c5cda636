"""Tables label derivatives by several variables as partials (`∂f/∂x`) however the
points are given (--at, a grid or --points), while CSV and JSON keep the ASCII
labels of the contract; no table line ends in spaces; and bare `adcli` is the REPL at
a terminal and the help elsewhere, as the README says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest


def header(run) -> list[str]:
    """The column names of a many-point table."""
    line = next(line for line in run.stdout.splitlines() if line.startswith("│"))
    return [cell.strip() for cell in line.strip("│").split("│")]


def test_a_points_table_labels_partials_like_an_at_grid(adcli):
    by_points = adcli("grad", "x*y", "--points", "-", input="x,y\n1,2\n3,4\n")
    by_grid = adcli("grad", "x*y", "--at", "x=1:3:2", "--at", "y=2:4:2")
    assert header(by_points) == header(by_grid) == ["x", "y", "f", "∂f/∂x", "∂f/∂y"]
    second = adcli("grad", "x*y", "--points", "-", "--order", "2", input="x,y\n1,2\n3,4\n")
    assert header(second)[-3:] == ["∂²f/∂x²", "∂²f/∂x∂y", "∂²f/∂y²"]


def test_a_points_table_with_one_point_and_a_fixed_input_labels_partials(adcli):
    run = adcli("grad", "x*y*z", "--at", "z=3", "--points", "-", input="x,y\n1,2\n")
    labels = [line.split("│")[1].strip() for line in run.stdout.splitlines()
              if line.startswith("│ ") and "value" not in line]
    assert labels == ["f", "∂f/∂z", "∂f/∂x", "∂f/∂y"]


def test_derivatives_by_one_variable_stay_d_however_the_points_are_given(adcli):
    assert header(adcli("grad", "x*x", "--points", "-", input="x\n1\n2\n")) == \
        ["x", "f", "df/dx"]
    assert header(adcli("grad", "x*y", "--points", "-", "--wrt", "x",
                        input="x,y\n1,2\n3,4\n")) == ["x", "y", "f", "df/dx"]
    # Along a direction the derivatives are by one variable, v.
    run = adcli("grad", "x*y", "--points", "-", "--dir", "x=1", "--dir", "y=1",
                input="x,y\n1,2\n3,4\n")
    assert header(run) == ["x", "y", "f", "df/dv"]


def test_ascii_tables_and_machine_formats_keep_the_ascii_labels(adcli):
    ascii_run = adcli("grad", "x*y", "--points", "-", input="x,y\n1,2\n3,4\n", ascii=True)
    assert header(ascii_run) == ["x", "y", "f", "df/dx", "df/dy"]
    csv = adcli("grad", "x*y", "--points", "-", "--format", "csv", input="x,y\n1,2\n")
    assert csv.stdout.splitlines()[0] == "x,y,f,df/dx,df/dy"
    obj = json.loads(adcli("grad", "x*y", "--points", "-", "--format", "json",
                           input="x,y\n1,2\n").stdout)
    assert [d["wrt"] for d in obj[0]["derivatives"]] == [["x"], ["y"]]


@pytest.mark.parametrize("args", [
    ["eval", "1+2"],
    ["grad", "x*y", "--at", "x=1", "--at", "y=2", "--order", "2"],
    ["grad", "x*y", "--at", "x=0:1:3", "--at", "y=1"],
    ["jacobian", "[x*y, x + y, sin(x)]", "--at", "x=1", "--at", "y=2"],
    ["hessian", "x^2*y + y^3", "--at", "x=1", "--at", "y=2"],
    ["tape", "y = x * x; z = y * y", "--at", "x=3"],
    ["check", "exp(x)/x", "--at", "x=2"],
    ["taylor", "exp(x)", "--at", "x=0", "--order", "3"],
])
def test_no_table_line_ends_in_spaces(adcli, args):
    run = adcli(*args)
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines and all(line == line.rstrip() for line in lines), lines


def test_eval_prints_its_title_and_caption_without_padding(adcli):
    lines = adcli("eval", "1+2").stdout.splitlines()
    assert (lines[0], lines[-1]) == ("1+2", "engine: tape")


def test_the_repl_prints_tables_without_padding():
    from click.testing import CliRunner

    from adcli.cli.main import cli

    result = CliRunner().invoke(cli, ["repl"], input="x = 2\ny = x * x\n:vars\n"
                                ":grad y wrt x order 2\n:tape\n",
                                env={"COLUMNS": "100", "NO_COLOR": "1"})
    lines = result.stdout.splitlines()
    assert "variables" in lines and "   engine: tape" in lines
    assert all(line == line.rstrip() for line in lines), lines


def test_trimming_keeps_colour_codes_and_drops_only_the_padding():
    import io

    from rich.table import Table

    from adcli.cli.tables import TrimmedConsole

    out = io.StringIO()
    console = TrimmedConsole(file=out, width=60, force_terminal=True, color_system="256")
    table = Table(title="a title", caption="a caption")
    table.add_column("a much longer column name")
    table.add_row("1")
    console.print(table)
    text = out.getvalue()
    assert "\x1b[" in text
    for line in text.splitlines():
        assert not re.sub(r"\x1b\[[0-9;]*m", "", line).endswith(" "), repr(line)
    assert "a title" in text and "a caption" in text


def test_bare_adcli_in_a_pipe_prints_the_help_and_exits_0():
    adcli = Path(sys.executable).parent / "adcli"
    run = subprocess.run([str(adcli)], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0
    assert run.stdout.startswith("Usage: adcli [OPTIONS] [COMMAND]")
    assert "repl" in run.stdout
