"""Curves for `adcli plot`: f, f', f'', ... of a program over one variable, ready to draw.

One responsibility: sample the variable, evaluate the program and its derivatives in
one vectorized pass through adcli.api (the engine chosen as for any request), then
prepare the curves so that any plotting library draws them honestly: non-finite
values and jumps across a pole break a curve (NaN gaps) instead of drawing vertical
lines, and the y-range is robust, ignoring the spikes next to a pole. Imports numpy
and adcli.api (and the errors); never a plotting library, so the terminal and image
renderers in adcli.cli only draw what this module prepared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adcli import api
from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliUsageError
from adcli.records import Record

# The middle of the finite values sets the scale; the range may grow past it by
# REACH spans, so that steep but finite curves (x^10, exp(x)) keep their extremes
# while the 1/d spikes next to a pole, many spans away, are cut off.
LOW_PERCENTILE, HIGH_PERCENTILE, REACH = 5.0, 95.0, 2.0
MARGIN = 0.05  # of the span on each side, so that extremes do not touch the frame
# An extreme past the reach is a pole's spike when a neighbouring sample differs from
# it by more than SPIKE_JUMP of its distance from the middle band: the sample nearest
# a pole outgrows its neighbours (1/d against 1/(d + h): by half or more), while a
# smooth peak or a steep end that the samples resolve changes little from one sample
# to the next. A side with a spike ends at SPIKE_PERCENTILES of the curve's values:
# only the samples nearest the poles (2.5% on that side) leave the plot, so tan(x)
# over -3:3 gets about -15..15, not the hundreds of its spikes.
SPIKE_JUMP = 0.4
SPIKE_PERCENTILES = (2.5, 97.5)


class Curve(Record):
    """One curve: `y` holds NaN wherever the curve is broken; `x` is its own (a pole
    crossing inserts a NaN point between two samples)."""

    wrt: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray

    @property
    def order(self) -> int:
        return len(self.wrt)

    def segments(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The unbroken runs of the curve, each as (x, y) with finite y only."""
        return segments(self.x, self.y)


class Plot(Record):
    """What a plot shows: one curve per order, the x-range and the y-range to draw."""

    variable: str
    curves: tuple[Curve, ...]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    engine: str
    warnings: tuple[str, ...] = ()


def curves(program: Any, variable: str, grid: np.ndarray, order: int,
           let: Mapping[str, Any] | None = None, of: str | None = None,
           ylim: tuple[float, float] | None = None) -> Plot:
    """Evaluate `program` and its derivatives up to `order` with respect to `variable`
    at every point of `grid` (in one vectorized pass where the program allows it; the
    engine is chosen as for any request) and prepare the curves; `ylim` overrides the
    robust y-range."""
    grid = np.asarray(grid, dtype=np.float64)
    batch = api.differentiate_batch(program, {variable: grid}, [variable], order, let, of,
                                    unconnected="zero")
    if batch.value.shape != grid.shape:
        raise AdcliUsageError(
            f"plot draws a program with one number per point, but its value has shape "
            f"{batch.value.shape[1:]}",
            hint="plot one entry, e.g. by indexing the result")
    columns: list[tuple[tuple[str, ...], np.ndarray]] = [((), batch.value)]
    columns += [(d.wrt, np.zeros(grid.shape) if d.value is None else d.value)
                for d in batch.derivatives]
    broken = [(wrt, *break_at_poles(grid, np.asarray(y, dtype=np.float64)))
              for wrt, y in columns]
    limits = ylim if ylim is not None else y_range([y for _, _, y in broken])
    # Far outside the y-range only the direction a curve leaves in matters: cut the
    # curves one span beyond it, so that no renderer rasterizes a line to 10^9.
    span = limits[1] - limits[0]
    prepared = tuple(Curve(wrt, *clip_to_band(x, y, limits[0] - span, limits[1] + span))
                     for wrt, x, y in broken)
    xlim = (float(grid[0]), float(grid[-1])) if grid.size else (0.0, 1.0)
    # A curve shows its own gaps: warnings that a derivative is not finite say nothing more.
    warnings = tuple(w for w in batch.warnings if api.kind_of(w) != "nonfinite")
    return Plot(variable, prepared, xlim, limits, batch.engine, warnings)


def break_at_poles(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with NaN wherever y is not finite, and a NaN point inserted between two
    samples that jump across a pole: the sign changes, the magnitude grows towards the
    gap from both sides (a steep zero crossing shrinks there instead), and the jump is
    wider than the middle 90% of the curve's values."""
    x = np.asarray(x, dtype=np.float64)
    y = np.where(np.isfinite(y), y, np.nan)
    if y.size < 2 or not np.any(np.isfinite(y)):
        return x, y
    low, high = np.nanpercentile(y, [LOW_PERCENTILE, HIGH_PERCENTILE])
    size = np.abs(y)
    with np.errstate(invalid="ignore"):
        crossing = np.sign(y[:-1]) * np.sign(y[1:]) < 0
        jump = np.abs(np.diff(y)) > (high - low)
        # The sample before the gap outgrows its left neighbour, the one after the
        # gap its right neighbour (the ends of the range have no such neighbour).
        left = np.concatenate([[True], size[1:-1] >= size[:-2]])
        right = np.concatenate([size[1:-1] >= size[2:], [True]])
    cuts = np.flatnonzero(crossing & jump & left & right) + 1
    if not cuts.size:
        return x, y
    middles = (x[cuts - 1] + x[cuts]) / 2
    return np.insert(x, cuts, middles), np.insert(y, cuts, np.nan)


def clip_to_band(x: np.ndarray, y: np.ndarray, low: float,
                 high: float) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with a point inserted where the polyline crosses `low` or `high`, and NaN
    for the points beyond them: inside the band the drawn lines are exactly the same."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    y0, y1 = y[:-1], y[1:]
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # segment, t, edge value
    with np.errstate(all="ignore"):
        for edge in (low, high):
            t = (edge - y0) / (y1 - y0)
            where = np.flatnonzero(np.isfinite(t) & (t > 0) & (t < 1))
            found.append((where, t[where], np.full(where.size, edge)))
    segment = np.concatenate([f[0] for f in found])
    t = np.concatenate([f[1] for f in found])
    edge = np.concatenate([f[2] for f in found])
    if segment.size:
        # A segment may cross both edges: insert its crossings in the order met.
        order = np.lexsort((t, segment))
        segment, t, edge = segment[order], t[order], edge[order]
        crossing_x = x[segment] + t * (x[segment + 1] - x[segment])
        x = np.insert(x, segment + 1, crossing_x)
        y = np.insert(y, segment + 1, edge)
    with np.errstate(invalid="ignore"):
        y = np.where((y < low) | (y > high), np.nan, y)
    return x, y


def segments(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The runs of consecutive finite values of y, each as (x, y)."""
    finite = np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(np.int8), [0]])))
    return [(x[a:b], y[a:b]) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def robust_range(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """A y-range that shows every finite value of one curve (values in x order) except
    outlying spikes (as next to a pole), with a small margin; (-1, 1) when nothing is
    finite."""
    return y_range([np.asarray(values, dtype=np.float64)])


def curve_band(y: np.ndarray, whole: bool = False) -> tuple[float, float, bool] | None:
    """(low, high, spiky) of one curve (values in x order, NaN at its gaps): its
    extremes, except that a side is cut where the curve runs away. Past REACH spans of
    the middle 90% of its values, a pole's spike (see SPIKE_JUMP) cuts the side at
    SPIKE_PERCENTILES, and `spiky` is True; a resolved steep stretch or narrow peak
    (exp(exp(x)), exp(-100x^2)) is kept `whole`, else cut at REACH spans. None when
    nothing is finite."""
    y = np.asarray(y, dtype=np.float64)
    finite = np.isfinite(y)
    if not finite.any():
        return None
    values = y[finite]
    low, high = (float(v) for v in np.percentile(values, [LOW_PERCENTILE, HIGH_PERCENTILE]))
    span = high - low
    spike_low, spike_high = (float(v) for v in np.percentile(values, SPIKE_PERCENTILES))
    lowest = int(np.argmin(np.where(finite, y, np.inf)))
    highest = int(np.argmax(np.where(finite, y, -np.inf)))
    spiky = False
    bottom, top = float(y[lowest]), float(y[highest])
    # A spike's side never reaches further than a resolved steep side would.
    if bottom < low - REACH * span:
        if _is_spike(y, lowest, low):
            bottom, spiky = max(spike_low, low - REACH * span), True
        elif not whole:
            bottom = low - REACH * span
    if top > high + REACH * span:
        if _is_spike(y, highest, high):
            top, spiky = min(spike_high, high + REACH * span), True
        elif not whole:
            top = high + REACH * span
    return bottom, top, spiky


def _is_spike(y: np.ndarray, i: int, edge: float) -> bool:
    """Whether the extreme y[i] outgrows a finite neighbour by more than SPIKE_JUMP of
    its distance from `edge` (an isolated sample counts as a spike)."""
    jumps = [abs(float(y[i] - y[j])) for j in (i - 1, i + 1)
             if 0 <= j < y.size and np.isfinite(y[j])]
    return not jumps or max(jumps) > SPIKE_JUMP * abs(float(y[i]) - edge)


def y_range(curves: Sequence[np.ndarray]) -> tuple[float, float]:
    """A y-range for curves f, f', f'', ... (each in x order): the band (curve_band) of
    their values taken together, and the whole of f but its poles' spikes, with a
    small margin; (-1, 1) when nothing is finite.

    The curves taken stop at the first one with a pole: its derivatives have poles at
    the same places and steeper (tan's derivative 1 + tan^2 outgrows tan), so they
    would squash it; the range is then the function's, and its derivatives leave the
    plot near the poles."""
    kept: list[np.ndarray] = []
    for y in curves:
        kept.append(np.asarray(y, dtype=np.float64))
        band = curve_band(kept[-1])
        if band is not None and band[2]:
            break
    # A NaN between two curves: the end of one is not the neighbour of the next.
    gap = np.full(1, np.nan)
    bands = [curve_band(np.concatenate([part for y in kept for part in (y, gap)])),
             curve_band(kept[0], whole=True)] if kept else []
    bands = [band for band in bands if band is not None]
    if not bands:
        return (-1.0, 1.0)
    low, high = min(band[0] for band in bands), max(band[1] for band in bands)
    span = high - low
    if span <= 0:
        # A constant: centre it in a range of its own size (or 1 around zero).
        half = max(abs(low), 1.0) / 2
        return (low - half, high + half)
    return (low - MARGIN * span, high + MARGIN * span)


def nice_ticks(low: float, high: float, count: int = 7) -> list[float]:
    """About `count` round tick positions (multiples of 1, 2 or 5 times a power of ten)
    inside [low, high], so that tick labels read 0.5, 1, 1.5 rather than 0.83, 1.67."""
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
        return []
    raw = (high - low) / max(count - 1, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= raw)
    first = np.ceil(low / step) * step
    ticks = first + step * np.arange(int(np.floor((high - first) / step + 1e-9)) + 1)
    # Snap away float noise (0.30000000000000004) and a negative zero.
    return [float(t) + 0.0 for t in np.round(ticks / step) * step]
