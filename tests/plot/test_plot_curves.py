"""adcli.plotting: curves evaluated in one pass (tape at order 1, Taylor mode above),
broken at non-finite values and across poles, clipped far outside a robust y-range."""

from __future__ import annotations

import numpy as np
import pytest

from adcli import plotting
from adcli.errors import AdcliUsageError

GRID = np.linspace(-3.0, 3.0, 400)


def test_curves_are_f_and_its_derivatives_up_to_the_order():
    plot = plotting.curves("sin(x)", "x", GRID, 3)
    assert [c.wrt for c in plot.curves] == [(), ("x",), ("x", "x"), ("x", "x", "x")]
    expected = [np.sin(GRID), np.cos(GRID), -np.sin(GRID), -np.cos(GRID)]
    for curve, values in zip(plot.curves, expected, strict=True):
        np.testing.assert_allclose(curve.x, GRID)
        np.testing.assert_allclose(curve.y, values, rtol=1e-12, atol=1e-12)
    assert plot.xlim == (-3.0, 3.0)
    assert plot.engine == "taylor"


def test_order_one_runs_on_the_tape_and_tape_functions_keep_the_tape():
    assert plotting.curves("x*x", "x", GRID, 1).engine == "tape"
    plot = plotting.curves("grad(x*x*x, x)", "x", GRID, 2)
    assert plot.engine == "tape"
    np.testing.assert_allclose(plot.curves[2].y, np.full(GRID.shape, 6.0))


def test_constants_and_of_reach_the_program():
    plot = plotting.curves("y = a*x*x; z = y + 1", "x", GRID, 1, let={"a": 2.0}, of="y")
    np.testing.assert_allclose(plot.curves[1].y, 4 * GRID)


def test_tan_breaks_at_both_poles_and_its_range_ignores_the_spikes():
    plot = plotting.curves("tan(x)", "x", GRID, 0)
    (curve,) = plot.curves
    assert len(curve.segments()) == 3  # (-3, -pi/2), (-pi/2, pi/2), (pi/2, 3)
    assert np.nanmax(np.abs(np.tan(GRID))) > 1000
    low, high = plot.ylim
    assert -100 < low < -5 and 5 < high < 100
    for x, _ in curve.segments():
        # No segment is drawn across a pole: each lies within one branch of tan.
        assert np.all(np.diff(np.floor((x + np.pi / 2) / np.pi)) == 0)


def test_break_at_poles_inserts_a_gap_between_the_samples_around_the_pole():
    x = np.array([-0.3, -0.1, 0.1, 0.3])
    bx, by = plotting.break_at_poles(x, 1 / x)
    np.testing.assert_allclose(bx, [-0.3, -0.1, 0.0, 0.1, 0.3])
    assert np.isnan(by[2]) and np.all(np.isfinite(np.delete(by, 2)))


def test_a_smooth_sign_change_is_not_a_pole():
    bx, by = plotting.break_at_poles(GRID, np.sin(3 * GRID))
    np.testing.assert_array_equal(bx, GRID)
    assert np.all(np.isfinite(by))


def test_non_finite_values_break_the_curve():
    plot = plotting.curves("sqrt(x)", "x", np.linspace(-1, 1, 21), 0)
    (curve,) = plot.curves
    assert np.all(np.isnan(curve.y[:10])) and np.all(np.isfinite(curve.y[10:]))
    (segment,) = curve.segments()
    np.testing.assert_allclose(segment[0], np.linspace(0, 1, 11))


def test_robust_range_keeps_the_extremes_of_steep_finite_curves():
    assert plotting.robust_range(np.sin(GRID)) == pytest.approx((-1.1, 1.1), abs=1e-3)
    low, high = plotting.robust_range(GRID ** 10)
    assert low < 0 and high >= 3.0 ** 10
    assert plotting.robust_range(np.full(5, 2.0)) == (1.0, 3.0)
    assert plotting.robust_range([np.nan, np.inf]) == (-1.0, 1.0)


def test_ylim_overrides_the_range_and_curves_are_cut_one_span_beyond_it():
    plot = plotting.curves("tan(x)", "x", GRID, 2, ylim=(-2.0, 2.0))
    assert plot.ylim == (-2.0, 2.0)
    for curve in plot.curves:
        assert np.nanmax(np.abs(curve.y)) <= 6.0


def test_clip_to_band_keeps_the_lines_inside_the_band_exactly():
    x, y = plotting.clip_to_band(np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 0.0]), -1, 1)
    np.testing.assert_allclose(x, [0.0, 0.1, 1.0, 1.9, 2.0])
    np.testing.assert_array_equal(y, [0.0, 1.0, np.nan, 1.0, 0.0])
    # One segment crossing both edges keeps its middle part, in order.
    x, y = plotting.clip_to_band(np.array([0.0, 1.0]), np.array([-10.0, 10.0]), -1, 1)
    np.testing.assert_allclose(x, [0.0, 0.45, 0.55, 1.0])
    np.testing.assert_array_equal(y, [np.nan, -1.0, 1.0, np.nan])


def test_a_vector_program_is_a_usage_error():
    with pytest.raises(AdcliUsageError, match=r"its value has shape \(2,\)"):
        plotting.curves("[x, 2*x]", "x", GRID, 1)


def test_poles_break_even_with_few_samples_but_steep_zero_crossings_do_not():
    x = np.linspace(-1, 1, 20)
    bx, by = plotting.break_at_poles(x, 1 / x)
    assert bx.size == 21 and np.isnan(by[10]) and bx[10] == pytest.approx(0.0)
    bx, by = plotting.break_at_poles(x, np.tanh(100 * x))
    assert bx.size == 20 and np.all(np.isfinite(by))


def test_nice_ticks_are_round_numbers_inside_the_range():
    assert plotting.nice_ticks(-3, 3, 9) == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    assert plotting.nice_ticks(-1.1, 1.1, 5) == [-1.0, 0.0, 1.0]
    assert plotting.nice_ticks(0.3, 0.31, 5) == [0.3, 0.305, 0.31]
    assert plotting.nice_ticks(-16.5, 17.3, 5) == [-10.0, 0.0, 10.0]
    assert plotting.nice_ticks(1.0, 1.0) == []
