"""Every primitive's scalar form against its numpy form, registry-wide (issue 15).

A primitive's scalar form (`Primitive.scalar`, defined beside its numpy forward in
adcli/engine/ops.py) computes on Python floats with the math module what its numpy
form computes on 0-d float64 arrays. Here both run on the same points: a grid of the
edges (signed zeros, +-1, the smallest subnormal and normal numbers, the largest
floats, +-inf, nan, the edges of each domain: log near 0 and 1, asin at +-1 and just
beyond, tan near pi/2, exp and cosh where they overflow, pow of negative bases to
whole and fractional exponents, 0 ** 0, 0 ** -1, inf ** 0, nan ** 0, ...), crossed
with itself for a binary primitive, and a seeded random sample across every
magnitude. At each point the two answers must have the same nan-ness, the same
infinities and signed zeros, the same type (a Python float, a bool for comparisons
and logical operations) and the same finite value, except for the primitives of
`LAST_BIT`, whose two implementations round differently (libm against numpy's
vectorized loops): there they may differ by at most one unit in the last place
(numpy.spacing). No scalar form may raise or warn at any point (warnings are errors
while they run).

`NO_SCALAR_FORM` names the primitives without one, so a new primitive fails
`test_the_primitives_without_a_scalar_form_are_named` until it has one or is named.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pytest

from adcli.engine import ops
from adcli.engine.primitives import PRIMITIVES

# Tensor-shaped primitives (a reduction over axes, a shape, an index, a matrix
# product: no float in, float out) and the functions only scipy computes. gamma and
# lgamma are here too: math.gamma and math.lgamma differ from scipy's gamma and gammaln
# by up to 8 ulps at ordinary points (and lgamma by far more in relative terms near its
# zeros at 1, 2, -2.457...), so they are not the same numbers.
NO_SCALAR_FORM = {
    "reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_logsumexp",
    "matmul", "transpose", "reshape", "broadcast_to", "concat", "stack", "tile",
    "scatter", "getitem", "diag", "diag_part",
    "gamma", "lgamma", "digamma", "polygamma",
}

# The primitives whose scalar and numpy forms may differ in the last bit, with the
# most units in the last place they may differ by. numpy computes these with its own
# vectorized loops (SVML where there is AVX-512, numpy's own for tanh), which round
# differently from glibc's libm, which the math module calls (sin and cos agree to the
# bit, and are not here). cbrt's and tanh's scalar forms are correctly rounded
# (glibc's are off by up to 3 ulps from numpy's); pow and integer_pow are pow's.
LAST_BIT = {
    "exp": 1, "expm1": 1, "log": 1, "log1p": 1, "log2": 1, "log10": 1,
    "tan": 1, "asin": 1, "acos": 1, "atan": 1, "atan2": 1,
    "sinh": 1, "cosh": 1, "tanh": 1, "asinh": 1, "acosh": 1, "atanh": 1,
    "cbrt": 1, "pow": 1, "integer_pow": 1,
    # The same steps as the numpy form, on exp's answer: where the two exps differ in
    # the last bit, 1 / (1 + t) and t / (1 + t) may differ in two. No scalar form can do
    # better: numpy's sigmoid is itself up to 2.04 ulps from the true value.
    "sigmoid": 2,
}

TINY = 5e-324  # the smallest subnormal
NORMAL = 2.2250738585072014e-308  # the smallest normal number
HUGE = 1.7976931348623157e308  # the largest float
INF, NAN = math.inf, math.nan
ONE_DOWN, ONE_UP = math.nextafter(1.0, 0.0), math.nextafter(1.0, 2.0)
HALF_PI = math.pi / 2

# The edges of every domain, each with both signs: the grid of unary primitives, and
# crossed with itself, of binary ones.
EDGES = (
    0.0, 1.0, TINY, 2.2e-308, NORMAL, 1e-300, 1e308, HUGE, INF,
    ONE_DOWN, ONE_UP, 1.0 - 1e-10, 1.0 + 1e-10, 0.5, 2.0, 3.0, 2.5, 0.1, 1.0 / 3.0,
    HALF_PI, math.nextafter(HALF_PI, 0.0), math.nextafter(HALF_PI, 4.0), math.pi,
    1e-8, 7.450580596923828e-09, 1e-20, 1e-5, 0.55, 19.0, 19.1, 20.0, 36.7,
    709.782712893384, 709.7827128933841, 710.4758600739439, 710.475860073944, 745.2,
    1e16, 2.0 ** 52, 2.0 ** 52 - 0.5, 2.0 ** 53 + 2.0, 0.49999999999999994, 1.5, 4.5,
    7.0, 1023.0, 1024.0, 1074.0, 1e10 + 1.0, 1e300,
)
GRID = tuple(s * v for v in EDGES for s in (1.0, -1.0)) + (NAN,)

rng = np.random.default_rng(0)


def _random(count: int) -> list[float]:
    """Points across every magnitude, of both signs, and more of them where functions
    change: near 0, within a few units, up to the overflows of exp and cosh."""
    sign = rng.choice([-1.0, 1.0], count)
    parts = [
        sign * 10.0 ** rng.uniform(-323.5, 308.25, count),
        rng.uniform(-2.0, 2.0, count),
        rng.uniform(-25.0, 25.0, count),
        rng.uniform(-750.0, 750.0, count),
    ]
    return [float(v) for v in np.concatenate(parts)]


UNARY_POINTS = list(GRID) + _random(1000)
BINARY_POINTS = list(itertools.product(GRID, GRID)) + list(zip(_random(600), _random(600),
                                                               strict=True))
# Negative bases to whole exponents (the sign of the power), and integers with floats.
WHOLE = [float(n) for n in rng.integers(-40, 41, 600)]
BINARY_POINTS += list(zip(_random(150), WHOLE, strict=True))
BINARY_POINTS += [(y, x) for x, y in zip(_random(150), WHOLE, strict=True)]
INTEGER_POWERS = (-64, -33, -3, -2, -1, 0, 1, 2, 3, 4, 5, 17, 33, 64)

def _cases(name: str) -> Iterable[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The points at which `name` is compared: (arguments, static parameters)."""
    prim = PRIMITIVES[name]
    if name == "integer_pow":
        for n in INTEGER_POWERS:
            for x in UNARY_POINTS[::2] if abs(n) > 5 else UNARY_POINTS:
                yield (x,), {"n": n}
    elif name == "cast":
        for dtype in (np.dtype(np.float64), np.dtype(np.bool_)):
            for x in [*UNARY_POINTS, True, False]:
                yield (x,), {"dtype": dtype}
    elif name == "where":
        for condition in (True, False, 0.0, -0.0, NAN, 2.0):
            for x, y in BINARY_POINTS[::7]:
                yield (condition, x, y), {}
    elif prim.arity == 1:
        for x in UNARY_POINTS:
            yield (x,), {}
    else:
        assert prim.arity == 2, name
        for pair in BINARY_POINTS:
            yield pair, {}
        if name.startswith("logical"):
            for pair in itertools.product((True, False), repeat=2):
                yield pair, {}
    if name == "logical_not":
        for x in (True, False):
            yield (x,), {}


def _numpy_value(name: str, args: Sequence[Any], params: dict[str, Any]) -> Any:
    arrays = [np.asarray(a, dtype=np.bool_ if isinstance(a, bool) else np.float64)
              for a in args]
    out = np.asarray(PRIMITIVES[name].impl(*arrays, **params))
    assert out.ndim == 0, name
    return out[()]


def _ulps(a: float, b: float) -> float:
    """|a - b| in units of numpy.spacing of b (the gap to the next float from b)."""
    return float(abs(a - b) / np.spacing(abs(b)))


def _disagreement(name: str, ours: Any, theirs: Any) -> str | None:
    """Why the scalar form's answer `ours` is not numpy's `theirs`, or None if it is."""
    if isinstance(theirs, np.bool_):
        if type(ours) is not bool:
            return f"{ours!r} is a {type(ours).__name__}, not a bool"
        return None if ours == bool(theirs) else f"{ours!r}, numpy {theirs!r}"
    if type(ours) is not float:
        return f"{ours!r} is a {type(ours).__name__}, not a float"
    theirs = float(theirs)
    if math.isnan(ours) or math.isnan(theirs):
        return None if math.isnan(ours) and math.isnan(theirs) else f"{ours!r}, numpy {theirs!r}"
    if ours == theirs:
        if math.copysign(1.0, ours) != math.copysign(1.0, theirs):
            return f"{ours!r}, numpy {theirs!r} (the sign of zero)"
        return None
    if math.isinf(ours) or math.isinf(theirs) or name not in LAST_BIT:
        return f"{ours!r}, numpy {theirs!r}"
    ulps = _ulps(ours, theirs)
    if ulps > LAST_BIT[name]:
        return f"{ours!r}, numpy {theirs!r}: {ulps:g} ulps apart"
    return None


def _run_quietly(function: Callable[..., Any], args: Sequence[Any],
                 params: dict[str, Any]) -> Any:
    """function(*args, **params) with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **params)


SCALAR_NAMES = sorted(name for name, prim in PRIMITIVES.items() if prim.scalar is not None)


def test_the_primitives_without_a_scalar_form_are_named() -> None:
    missing = {name for name, prim in PRIMITIVES.items() if prim.scalar is None}
    assert missing - NO_SCALAR_FORM == set(), (
        "give these primitives a scalar form (scalar=..., beside the numpy form in "
        "adcli/engine/ops.py), or name them in NO_SCALAR_FORM with the reason")
    assert NO_SCALAR_FORM - missing == set(), "these have a scalar form now: unname them"
    assert set(LAST_BIT) <= set(SCALAR_NAMES)


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_the_scalar_form_gives_the_numpy_forms_numbers(name: str) -> None:
    scalar = PRIMITIVES[name].scalar
    assert scalar is not None
    cases = list(_cases(name))
    assert len(cases) >= 1000, len(cases)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [_numpy_value(name, args, params) for args, params in cases]
    failures: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning of a scalar form raises, and is reported
        for (args, params), theirs in zip(cases, expected, strict=True):
            try:
                ours = scalar(*args, **params)
            except Exception as error:  # noqa: BLE001 - any exception is the failure reported
                failures.append(f"{name}{(*args,)} {params or ''} raised {error!r}")
                continue
            why = _disagreement(name, ours, theirs)
            if why is not None:
                failures.append(f"{name}{(*args,)} {params or ''}: {why}")
    assert not failures, f"{len(failures)} of {len(cases)} points:\n" + "\n".join(failures[:20])


def _noted(run: Callable[[], Any]) -> int:
    """How many entries run() adds to ops.ZERO_TIMES_INFINITY."""
    ops.ZERO_TIMES_INFINITY.clear()
    with np.errstate(all="ignore"):
        run()
    count = len(ops.ZERO_TIMES_INFINITY)
    ops.ZERO_TIMES_INFINITY.clear()
    return count


def test_mul_strong_zero_notes_a_zero_times_infinity_as_the_numpy_form_does() -> None:
    # The derivative layer warns from ops.ZERO_TIMES_INFINITY, so both forms must add
    # to it at the same points: x = 0 against an infinite or nan y, never the other way.
    scalar = PRIMITIVES["mul_strong_zero"].scalar
    assert scalar is not None
    by_numpy = [_noted(lambda x=x, y=y: _numpy_value("mul_strong_zero", (x, y), {}))
                for x, y in BINARY_POINTS]
    by_scalar = [_noted(lambda x=x, y=y: scalar(x, y)) for x, y in BINARY_POINTS]
    assert by_scalar == by_numpy
    assert 0 < sum(by_scalar) < len(BINARY_POINTS)


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("log", (0.0,), -INF), ("log", (-0.0,), -INF), ("log", (-1.0,), NAN),
    ("log1p", (-1.0,), -INF), ("log2", (-INF,), NAN), ("sqrt", (-1.0,), NAN),
    ("sqrt", (-0.0,), -0.0), ("exp", (1000.0,), INF), ("exp", (-1000.0,), 0.0),
    ("sinh", (-1000.0,), -INF), ("cosh", (-1000.0,), INF), ("atanh", (-1.0,), -INF),
    ("asin", (ONE_UP,), NAN), ("sin", (INF,), NAN), ("tanh", (-30.0,), -1.0),
    ("divide", (1.0, 0.0), INF), ("divide", (1.0, -0.0), -INF), ("divide", (-1.0, 0.0), -INF),
    ("divide", (0.0, 0.0), NAN), ("reciprocal", (-0.0,), -INF), ("mod", (1.0, 0.0), NAN),
    ("floor_divide", (1.0, 0.0), INF), ("floor_divide", (-1.0, INF), -1.0),
    ("pow", (0.0, -1.0), INF), ("pow", (-0.0, -1.0), -INF), ("pow", (-0.0, -2.0), INF),
    ("pow", (-8.0, 1.0 / 3.0), NAN), ("pow", (0.0, 0.0), 1.0), ("pow", (INF, 0.0), 1.0),
    ("pow", (NAN, 0.0), 1.0), ("pow", (10.0, 400.0), INF), ("pow", (-10.0, 401.0), -INF),
    ("atan2", (0.0, -0.0), math.pi), ("atan2", (-INF, INF), -math.pi / 4),
    ("ceil", (-0.5,), -0.0), ("round", (-0.5,), -0.0), ("round", (2.5,), 2.0),
    ("floor", (INF,), INF), ("sign", (-0.0,), 0.0), ("relu", (-0.0,), 0.0),
    ("maximum", (0.0, -0.0), -0.0), ("softplus", (0.0,), math.log(2.0)),
])
def test_ieee_values_where_the_math_module_raises(name: str, args: tuple[float, ...],
                                                  expected: float) -> None:
    # The brief's cases, spelled out (the sweep above covers them too, against numpy).
    scalar = PRIMITIVES[name].scalar
    assert scalar is not None
    out = _run_quietly(scalar, args, {})
    assert type(out) is float
    if math.isnan(expected):
        assert math.isnan(out)
    else:
        assert out == expected and math.copysign(1.0, out) == math.copysign(1.0, expected)
