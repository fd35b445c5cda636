"""`adcli plot` through click's CliRunner: the terminal plot (legend, axis label, tick
labels, size, colour), saved PNG and SVG files, the y-range at a pole, --ylim, the
message when matplotlib is missing, and usage errors with exit code 2."""

from __future__ import annotations

import re
import struct
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from adcli.cli.main import cli

SIZE = {"COLUMNS": "100", "LINES": "30"}


def run(*args: str, env: dict[str, str] | None = None):
    runner = CliRunner()
    return runner.invoke(cli, ["plot", *args], env={**SIZE, **(env or {})})


def y_ticks(text: str) -> list[float]:
    """The numbers written left of the y axis (`  1.5┤`)."""
    return [float(m) for m in re.findall(r"^\s*(-?\d+(?:\.\d+)?)┤", text, re.MULTILINE)]


def test_terminal_plot_has_title_legend_axis_label_and_ticks():
    result = run("sin(x)", "--over", "x=-3:3", "--no-color")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.rstrip("\n").split("\n")
    assert lines[0].strip() == "sin(x)"
    assert lines[-1].strip() == "• f   + df/dx"  # the legend, on a line under the plot
    assert lines[-2].strip() == "x"  # the x axis label under the ticks
    assert lines[-3].split() == ["-3", "-2", "-1", "0", "1", "2", "3"]
    assert y_ticks(result.stdout) == [1.0, 0.0, -1.0]  # round ticks in a range of ±1.1
    assert "\x1b[" not in result.stdout
    assert result.stderr == ""


def test_terminal_plot_fills_the_terminal_size_from_columns_and_lines():
    result = run("x^2", "--over", "x=-1:1", "--order", "0", "--no-color",
                 env={"COLUMNS": "72", "LINES": "20"})
    lines = result.stdout.rstrip("\n").split("\n")
    assert {len(line) for line in lines} == {72}
    assert 16 <= len(lines) <= 20


def test_each_order_up_to_order_has_its_own_legend_entry_and_marker():
    result = run("exp(x)", "--over", "x=0:1", "--order", "3", "--no-color")
    assert result.exit_code == 0
    for entry in ("• f ", "+ df/dx ", "x d²f/dx² ", "o d³f/dx³ "):
        assert entry in result.stdout
    ascii_run = run("exp(x)", "--over", "x=0:1", "--order", "2", "--no-color",
                    env={"ADCLI_ASCII": "1"})
    assert "x d2f/dx2 " in ascii_run.stdout


def test_color_mode_colours_the_curves():
    result = run("sin(x)", "--over", "x=-3:3", "--color")
    assert result.exit_code == 0
    colours = set(re.findall(r"\x1b\[38;[0-9;]+m", result.stdout))
    assert len(colours) >= 2


def test_let_gives_constants_as_in_grad():
    result = run("a*x", "--over", "x=0:1", "--let", "a=4", "--order", "0", "--no-color")
    assert result.exit_code == 0
    assert y_ticks(result.stdout) == [4.0, 2.0, 0.0]  # a*x with a = 4 reaches 4


def test_a_pole_does_not_blow_up_the_y_range():
    result = run("tan(x)", "--over", "x=-3:3", "--order", "0", "--no-color")
    assert result.exit_code == 0
    ticks = y_ticks(result.stdout)
    # tan reaches about 1580 at the samples next to pi/2; the range stays near the curve.
    assert 5 < max(ticks) < 100 and -100 < min(ticks) < -5


def test_ylim_sets_the_y_range():
    result = run("tan(x)", "--over", "x=-3:3", "--ylim", "-2:2", "--no-color")
    assert result.exit_code == 0
    ticks = y_ticks(result.stdout)
    assert (min(ticks), max(ticks)) == (-2.0, 2.0)


def test_saved_png_is_a_png_of_800_by_500_pixels(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.png"
    result = run("sin(x)*exp(-x*x/4)", "--over", "x=-4:4", "--order", "2", "--save", str(path))
    assert result.exit_code == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", f"saved {path}\n")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (800, 500)


def test_saved_svg_is_an_svg_of_576_by_360_points(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.svg"
    result = run("tan(x)", "--over", "x=-3:3", "--save", str(path), "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == ("576pt", "360pt")
    text = path.read_text()
    assert "df/dx" in text and "tan(x)" in text


def test_save_without_matplotlib_says_how_to_install_it(tmp_path, monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import name` fail
    path = tmp_path / "plot.png"
    result = run("sin(x)", "--over", "x=-3:3", "--save", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "missing dependency error: --save needs matplotlib, which is not installed\n"
        "hint: install the plot extra: pip install 'adcli[plot]' (or pip install "
        "matplotlib); the terminal plot works without it\n")
    assert not path.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["x*y", "--over", "x=0:1", "--over", "y=0:1"],
     "a plot is over one variable, but --over is given 2 times (x, y); give the others a "
     "value with --let, e.g. --let y=1"),
    (["x*y", "--over", "x=0:1", "--let", "y=0:1:5"],
     "a plot is over one variable, but --let y=0:1:5 is a range; give it one value, "
     "e.g. --let y=1"),
    (["sin(x)"], "plot needs the variable and its range, for example --over x=-3:3"),
    (["sin(x)", "--over", "x=1"],
     "--over x=1 needs a range START:STOP, for example --over x=-3:3"),
    (["sin(x)", "--over", "x=1:1"],
     "--over x=1:1: a plot needs at least two different points, for example --over x=-3:3"),
    (["sin(x)", "--over", "x=0:1", "--let", "x=2"], "x is given by both --over and --let"),
    (["sin(x)", "--over", "x=0:1", "--ylim", "2:1"],
     "--ylim '2:1': LOW must be less than HIGH, for example --ylim -2:2"),
    (["sin(x)", "--over", "x=0:1", "--ylim", "2"],
     "--ylim '2' needs LOW:HIGH, for example --ylim -2:2"),
])
def test_usage_errors_exit_2_with_one_message(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_save_needs_png_or_svg(tmp_path):
    result = run("sin(x)", "--over", "x=0:1", "--save", str(tmp_path / "plot.pdf"))
    assert result.exit_code == 2
    assert "the file name must end in .png or .svg" in result.stderr


def test_a_vector_program_is_a_usage_error():
    result = run("[x, x*x]", "--over", "x=0:1")
    assert result.exit_code == 2
    assert "plot draws a program with one number per point, but its value has shape (2,)" \
        in result.stderr


def test_program_errors_show_the_source_with_a_caret():
    result = run("sin(x) + ", "--over", "x=0:1")
    assert result.exit_code == 2
    assert "  sin(x) + " in result.stderr and "^" in result.stderr
    missing = run("x*y", "--over", "x=0:1")
    assert missing.exit_code == 2
    assert "missing input 'y'" in missing.stderr
    assert "Traceback" not in missing.stderr
