"""Running many points as one vector, trusted only when it agrees with single points.

One responsibility: the one rule for vectorized runs, used for grids and points files
(adcli.derivatives.compute) and for the directional series of interpolated mixed
partials (adcli.derivatives.interpolated). A program run on vectors of points gives
every point at once when it treats its inputs elementwise; a program that mixes the
points (a reduction, control flow on a value, a matmul) either fails, changes the
value's shape, or disagrees with single-point runs. So a vectorized answer is used
only when it ran, has the expected shape, and agrees with single runs at the first
and the last point; otherwise every point runs on its own.

Imports numpy and adcli.errors only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliError

T = TypeVar("T")
S = TypeVar("S")

RTOL, ATOL = 1e-9, 1e-12


def same(a: Any, b: Any) -> bool:
    """Whether two values agree to RTOL (ATOL near 0), nan matching nan; float64 or
    object arrays of mpf/Decimal, compared in float64."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype == object or b.dtype == object:
        a, b = a.astype(np.float64), b.astype(np.float64)
    if a.dtype.kind == "b" or b.dtype.kind == "b":
        return bool(np.array_equal(a, b))
    return bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))


def checked(whole: Callable[[], T | None], single: Callable[[int], S], count: int,
            agree: Callable[[T, int, S], bool]) -> T | None:
    """`whole()` when it runs (None or an AdcliError means it does not apply) and
    `agree(result, i, single(i))` holds at the first and the last of `count` points;
    else None, and the caller runs the points one by one."""
    try:
        result = whole()
    except AdcliError:
        return None
    if result is None:
        return None
    if count == 1:
        return result  # one point run whole is a single-point run
    for i in sorted({0, count - 1}):
        if not agree(result, i, single(i)):
            return None
    return result
