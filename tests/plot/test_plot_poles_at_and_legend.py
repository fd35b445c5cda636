"""`adcli plot` with the range syntax of the other commands (`--at x=A:B[:COUNT]`), a
legend on a line of its own that never covers a curve, and a y-range that shows a
function with poles (tan, 1/x, sec), not the spikes next to them."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner

from adcli import plotting
from adcli.cli.main import cli

SIZE = {"COLUMNS": "72", "LINES": "20"}
GRID = np.linspace(-3.0, 3.0, 400)


def run(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(cli, ["plot", *args], env={**SIZE, **(env or {})})
    assert "Traceback" not in result.stdout + result.stderr
    return result


def y_ticks(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"^\s*(-?\d+(?:\.\d+)?)┤", text, re.MULTILINE)]


def inside_the_frame(text: str) -> list[str]:
    """The lines between the plot frame's top (┌) and bottom (└)."""
    lines = text.split("\n")
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[top + 1:bottom]


# ---- --at gives the range, as in grad ----------------------------------------------


@pytest.mark.parametrize("at", ["x=-3:3", "x=-3:3:101"])
def test_at_gives_the_range_as_over_does(at):
    by_at = run("sin(x)", "--at", at, "--order", "2", "--no-color")
    by_over = run("sin(x)", "--over", at, "--order", "2", "--no-color")
    assert by_at.exit_code == 0, by_at.stderr
    assert by_at.stdout == by_over.stdout
    assert "sin(x)" in by_at.stdout.split("\n")[0]


def test_at_with_a_count_samples_that_many_points():
    assert run("x", "--at", "x=0:1:3", "--order", "0", "--no-color").stdout == \
        run("x", "--over", "x=0:1:3", "--order", "0", "--no-color").stdout
    coarse = run("x^2", "--at", "x=-1:1:3", "--order", "0", "--no-color").stdout
    fine = run("x^2", "--at", "x=-1:1", "--order", "0", "--no-color").stdout
    assert coarse != fine  # 3 points draw a V, 400 a parabola


@pytest.mark.parametrize(("args", "message"), [
    (["a*x", "--at", "a=2", "--at", "x=0:1"],
     "--at a=2: a plot is over one variable with a range, for example --at x=-3:3; give "
     "other names a value with --let, e.g. --let a=2"),
    (["x*y", "--at", "x=0:1", "--at", "y=0:1"],
     "a plot is over one variable, but --at is given 2 times (x, y); give the others a "
     "value with --let, e.g. --let y=1"),
    (["x*y", "--over", "x=0:1", "--at", "y=0:1"],
     "a plot is over one variable, but --over and --at give 2 ranges (x, y); give the "
     "others a value with --let, e.g. --let y=1"),
    (["x", "--at", "x=1:1"],
     "--at x=1:1: a plot needs at least two different points, for example --at x=-3:3"),
    (["x", "--at", "x=0:1:2:3"],
     "--at x=0:1:2:3 needs a range START:STOP, for example --at x=-3:3 (or "
     "START:STOP:COUNT)"),
    (["x", "--at", "x=0:1", "--let", "x=2"], "x is given by both --at and --let"),
])
def test_at_usage_errors_name_the_option_and_exit_2(args, message):
    result = run(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert message in " ".join(result.stderr.split())


# ---- the legend ------------------------------------------------------------------


def test_the_legend_is_a_line_under_the_plot_and_covers_no_curve():
    result = run("x^3 - 3*x", "--over", "x=-2.5:2.5", "--order", "2", "--no-color")
    assert result.exit_code == 0
    lines = result.stdout.rstrip("\n").split("\n")
    assert lines[-1].strip() == "• f   + df/dx   x d²f/dx²"
    assert lines[-2].strip() == "x"
    assert len(lines) <= 20 and {len(line) for line in lines} == {72}
    for line in inside_the_frame(result.stdout):
        # Only the y axis and the right border: no legend box, and no label, in the plot.
        assert sum(line.count(c) for c in "│┤") == 2, line
        assert not set(line) & set("┌┐└┘fd/²"), line
    # df/dx = 3x^2 - 3 is 15.75 at the left end: its marker is drawn in the top left
    # corner, where plotext's legend box used to stand.
    assert "+" in "".join(line[:20] for line in inside_the_frame(result.stdout)[:3])


def test_the_legend_wraps_on_a_narrow_terminal_and_the_plot_makes_room():
    result = run("exp(x)", "--over", "x=0:1", "--order", "6", "--no-color",
                 env={"COLUMNS": "40", "LINES": "24"})
    assert result.exit_code == 0
    lines = result.stdout.rstrip("\n").split("\n")
    keys = lines[lines.index(next(line for line in lines if line.strip() == "x")) + 1:]
    assert len(keys) >= 2  # seven entries do not fit 40 columns
    assert " ".join(" ".join(keys).split()) == (
        "• f + df/dx x d²f/dx² o d³f/dx³ * d⁴f/dx⁴ # d⁵f/dx⁵ % d⁶f/dx⁶")
    assert len(lines) <= 24 and {len(line) for line in lines} == {40}


def test_with_colour_the_legend_samples_have_their_curves_colours():
    result = run("sin(x)", "--over", "x=-3:3", "--color")
    assert result.exit_code == 0
    *plot, legend = result.stdout.rstrip("\n").split("\n")
    assert "\x1b[38;5;12m── f\x1b[0m" in legend and "\x1b[38;5;10m── df/dx\x1b[0m" in legend
    body = "\n".join(plot)
    assert "\x1b[38;5;12m" in body and "\x1b[38;5;10m" in body


# ---- the y-range at poles ----------------------------------------------------------


@pytest.mark.parametrize("order", [0, 1, 2])
def test_tan_over_minus_3_to_3_gets_a_modest_y_range_at_every_order(order):
    low, high = plotting.curves("tan(x)", "x", GRID, order).ylim
    # 97.5% of tan's samples lie within ±13.3; the spikes near ±pi/2 reach ±1580.
    assert low == pytest.approx(-14.5, abs=0.5) and high == pytest.approx(14.5, abs=0.5)


def test_tan_in_the_terminal_shows_its_branches_with_ticks_of_ten():
    result = run("tan(x)", "--at", "x=-3:3", "--no-color")
    assert result.exit_code == 0
    assert y_ticks(result.stdout) == [10.0, 0.0, -10.0]


@pytest.mark.parametrize(("program", "bound"), [
    ("1/x", 8), ("sec(x)", 16), ("1/(x^2 - 1)", 8), ("1/sin(x)", 16)])
def test_other_poles_get_a_modest_range_too(program, bound):
    low, high = plotting.curves(program, "x", GRID, 1).ylim
    assert -bound < low < 0 < high < bound


def test_a_pole_at_a_sample_does_not_reach_1e16():
    # linspace(-pi, pi, 401) hits ±pi/2, where float64 tan is ±1.6e16.
    grid = np.linspace(-np.pi, np.pi, 401)
    assert np.max(np.abs(np.tan(grid))) > 1e15
    low, high = plotting.curves("tan(x)", "x", grid, 1).ylim
    assert -20 < low < -10 and 10 < high < 20


def test_curves_without_poles_keep_their_range():
    # Steep but finite curves, resolved by the samples, are not cut like poles.
    assert plotting.curves("x^10", "x", np.linspace(-2, 2, 400), 0).ylim[1] >= 1024
    low, high = plotting.curves("x^3 - 3*x", "x", np.linspace(-2.5, 2.5, 400), 2).ylim
    assert low < -15 and high > 15.75
    assert plotting.curves("exp(-100*x*x)", "x", GRID, 0).ylim[1] >= 1.0


def test_curve_band_says_which_side_has_a_spike():
    low, high, spiky = plotting.curve_band(np.tan(GRID))
    assert spiky and -14 < low < -12 and 12 < high < 14
    assert plotting.curve_band(np.sin(GRID)) == pytest.approx((-1.0, 1.0, False), abs=1e-3)
    assert plotting.curve_band(np.full(3, np.nan)) is None
