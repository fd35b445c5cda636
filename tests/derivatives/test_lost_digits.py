"""A number adcli prints at a single point is right to its digits, or says why not.

float64 loses digits when a sum of rounded numbers cancels (the quotient rule of
sin(x)/x at 1e-9 subtracts two numbers near 1e9). At a single point adcli finds such
sums on the tape, and Taylor mode and interpolation check float64 against mpmath; what
lost digits is recomputed with mpmath to 17 verified digits, with a warning."""

from __future__ import annotations

import json

import mpmath
import pytest
from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli


def _mp_derivatives(f, x: float, order: int) -> list[float]:
    with mpmath.workdps(60):
        return [float(mpmath.diff(f, mpmath.mpf(x), k)) for k in range(order + 1)]


def _kinds(result) -> list[str]:
    return [api.kind_of(w) for w in result.warnings]


@pytest.mark.parametrize("engine,order", [("tape", 2), ("auto", 2), ("taylor", 3),
                                          ("auto", 4)])
def test_sin_x_over_x_near_zero_is_recomputed_and_says_so(engine, order):
    result = api.differentiate("sin(x)/x", {"x": 1e-9}, order=order, engine=engine)
    expected = _mp_derivatives(lambda x: mpmath.sin(x) / x, 1e-9, order)
    got = [float(result.value)] + [float(d.value) for d in result.derivatives]
    assert got == pytest.approx(expected, rel=1e-15, abs=0)
    assert float(result.derivative("x", "x")) == pytest.approx(-1 / 3, rel=1e-15)
    assert "precision" in _kinds(result)
    assert any("recomputed with mpmath" in w for w in result.warnings)


def test_the_cli_prints_the_verified_values_with_a_warning():
    run = CliRunner().invoke(cli, ["grad", "sin(x)/x", "--at", "x=1e-9", "--order", "2",
                                   "--format", "json"], prog_name="adcli")
    assert run.exit_code == 0
    answer = json.loads(run.stdout)
    assert answer["value"] == 1.0
    assert answer["derivatives"][0]["value"] == pytest.approx(-3.3333333333333335e-10,
                                                              rel=1e-15)
    assert answer["derivatives"][1]["value"] == pytest.approx(-0.3333333333333333, rel=1e-15)
    assert "warning: float64 lost up to 16 of its 16 digits" in run.stderr


def test_a_value_that_cancelled_is_recomputed_too():
    # (x + 1) - 1 at x = 1e-12: float64 keeps 1.000088900582341e-12.
    result = api.evaluate("(x + 1) - 1", {"x": 1e-12})
    assert float(result.value) == 1e-12
    assert any("recomputed with mpmath" in w for w in result.warnings)


def test_sums_of_exact_operands_are_exact_and_say_nothing():
    # x - 1 at x = 1 cancels completely, but both operands are exact (Sterbenz).
    result = api.differentiate("x - 1", {"x": 1.0}, order=2)
    assert (float(result.value), result.warnings) == (0.0, ())
    headline = api.differentiate("x*x*x", {"x": 1.0}, order=2)
    assert [float(d.value) for d in headline.derivatives] == [3.0, 6.0]
    assert headline.warnings == ()


def test_a_loss_taylor_mode_cannot_recompute_is_a_warning_on_the_float64_values():
    # A tensor input: Taylor mode differentiates scalar inputs only.
    result = api.differentiate("sum(x * x) - 1", {"x": [1.0, 1e-8]})
    assert any("the last digits shown may be wrong" in w for w in result.warnings)
    assert "precision" in _kinds(result)


def test_grids_are_not_recomputed_but_say_where_digits_were_lost():
    batch = api.differentiate_batch("sin(x)/x", {"x": [1e-9, 2e-9]}, order=2, engine="tape")
    assert any(api.kind_of(w) == "precision" and "not recomputed" in w
               for w in batch.warnings)
    clean = api.differentiate_batch("x*x*x", {"x": [1.0, 2.0]}, order=2)
    assert clean.warnings == ()


def test_mixed_partials_at_a_single_point_are_verified():
    # f = sin(x y)/(x y) near 0: d2f/dxdy at (1e-5, 1e-5) is -4/3 x y + ... = -1.333e-10.
    result = api.differentiate("sin(x*y)/(x*y)", {"x": 1e-5, "y": 1e-5}, order=3)
    assert result.engine == "taylor (interpolated)"

    def f(x, y):
        return mpmath.sin(x * y) / (x * y)

    with mpmath.workdps(60):
        exact = float(mpmath.diff(f, (mpmath.mpf(1e-5), mpmath.mpf(1e-5)), (1, 1)))
    assert float(result.derivative("x", "y")) == pytest.approx(exact, rel=1e-14)


def test_a_sum_that_cancels_on_the_way_to_a_larger_result_loses_nothing():
    # The quotient rule of sin(x)e^x/(1+x^2) at 1 subtracts sin(1)e/2 from itself on
    # the way to e cos(1)/2: the result keeps its digits, so the tape answers alone.
    result = api.differentiate("sin(x)*exp(x)/(1+x*x)", {"x": 1.0})
    assert result.warnings == ()
    assert result.engine == "tape"
    assert float(result.derivatives[0].value) == pytest.approx(
        float(mpmath.e * mpmath.cos(1) / 2), rel=1e-15)


def test_a_cancellation_after_a_product_is_caught_through_the_product():
    # (x + 1)*3 - 3 at 1e-12: the sum that cancels reads a product of a rounded sum.
    result = api.evaluate("(x + 1)*3 - 3", {"x": 1e-12})
    assert float(result.value) == pytest.approx(3e-12, rel=1e-15)
    assert any("recomputed with mpmath" in w for w in result.warnings)


def test_a_short_accumulation_keeps_its_digits_and_says_nothing():
    result = api.differentiate("s = 0\nfor i in range(100):\n    s = s + x*x", {"x": 1.5})
    assert result.warnings == ()
    assert float(result.derivatives[0].value) == pytest.approx(300.0, rel=1e-15)
