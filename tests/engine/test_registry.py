"""Registry-wide checks: every primitive has every interpretation, and they agree.

Each primitive of `adcli.engine.primitives.PRIMITIVES` needs a gradient rule (unless
it is registered as zero-derivative), a Taylor rule, an mpmath forward (or the
explicit declaration that its numpy forward is right on object arrays of mpf), a
symbolic rule (adcli/engine/symbolic.py), a batch rule (adcli/engine/batching.py) and,
when differentiable, a forward-mode rule (adcli/engine/forward.py); see
`adcli.engine.series.missing_rules`.
The tests are parametrized by primitive name, so a new primitive without a rule
fails as e.g. `test_has_a_taylor_rule[cbrt]`.
The mp forward of every elementwise primitive is checked against its numpy forward
on a grid of ordinary points (nan and inf where numpy gives them, 1e-14 relative
elsewhere).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from adcli.engine import series
from adcli.engine.primitives import PRIMITIVES, Primitive, bind

NAMES = sorted(PRIMITIVES)
WHERE = "register it in adcli/engine/series.py (see its module docstring)"


@pytest.mark.parametrize("name", NAMES)
def test_has_a_gradient_rule(name: str) -> None:
    assert "vjp" not in series.missing_rules()[name], (
        f"{name} has no gradient rule: give defprim one per argument (adcli/engine/ops.py), "
        "or register it with def_constant if its derivative is zero")


@pytest.mark.parametrize("name", NAMES)
def test_has_a_taylor_rule(name: str) -> None:
    assert "taylor" not in series.missing_rules()[name], (
        f"{name} has no Taylor rule: {WHERE} with def_taylor, def_comp or def_constant")


@pytest.mark.parametrize("name", NAMES)
def test_has_an_mp_forward(name: str) -> None:
    assert "mp" not in series.missing_rules()[name], (
        f"{name} has no mpmath forward: {WHERE} with def_mp(prim, scalar_fn), or "
        "def_mp(prim, None) if its numpy impl is right on object arrays of mpmath.mpf")


@pytest.mark.parametrize("name", NAMES)
def test_has_a_symbolic_rule(name: str) -> None:
    assert "symbolic" not in series.missing_rules()[name], (
        f"{name} has no symbolic rule: register it in adcli/engine/symbolic.py with "
        "def_unary, def_elementwise or def_symbolic (None if its numpy impl is right on "
        "object arrays of SymPy expressions)")


@pytest.mark.parametrize("name", NAMES)
def test_has_a_forward_rule(name: str) -> None:
    assert "jvp" not in series.missing_rules()[name], (
        f"{name} has no forward-mode rule: register it in adcli/engine/forward.py with "
        "def_elementwise, def_linear, def_jvp or def_transposed")


@pytest.mark.parametrize("name", NAMES)
def test_has_a_batch_rule(name: str) -> None:
    assert "batch" not in series.missing_rules()[name], (
        f"{name} has no batch rule: register it in adcli/engine/batching.py (elementwise, "
        "a reduction, or def_batch)")


def test_arity_is_declared_and_matches_numpy_ufuncs() -> None:
    for name, prim in PRIMITIVES.items():
        if prim.vjp_any is not None:
            assert prim.arity is None, name
            continue
        assert isinstance(prim.arity, int), name
        if isinstance(prim.impl, np.ufunc):
            assert prim.impl.nin == prim.arity, name


def test_missing_rules_names_what_a_new_primitive_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    with_vjp = Primitive("cbrt_without_rules", np.cbrt, (lambda g, ans, x: g,), arity=1)
    without = Primitive("floor_without_rules", np.floor, arity=1)
    monkeypatch.setitem(PRIMITIVES, with_vjp.name, with_vjp)
    monkeypatch.setitem(PRIMITIVES, without.name, without)
    missing = series.missing_rules()
    assert missing[with_vjp.name] == ["taylor", "mp", "symbolic", "jvp", "batch"]
    assert missing[without.name] == ["vjp", "taylor", "mp", "symbolic", "batch"]
    assert missing["sin"] == [] and missing["floor"] == []


def test_a_primitive_without_a_taylor_rule_is_a_value_error_naming_it() -> None:
    prim = Primitive("cbrt_without_rules", np.cbrt, (lambda g, ans, x: g,), arity=1)
    with series.active(), pytest.raises(ValueError, match="'cbrt_without_rules' has no Taylor"):
        bind(prim, (series.seed(0.5, 1.0, 3),))


def test_registering_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'sin' has a Taylor rule already"):
        series.def_taylor(series.P.sin, lambda x: x)
    with pytest.raises(ValueError, match="'sin' has an mp forward already"):
        series.def_mp(series.P.sin, None)
    with pytest.raises(ValueError, match="'sin' has a gradient rule"):
        series.def_constant(series.P.sin)


def test_taylor_tape_refuses_gradients_without_naming_a_flag() -> None:
    with pytest.raises(ValueError) as error:
        series.TaylorTape().gradient(None, None)
    assert "need the tape engine, not Taylor mode" in str(error.value)
    assert "--" not in str(error.value)


def test_registering_mp_forwards_does_not_import_mpmath() -> None:
    code = "import sys, adcli.engine.series; print('mpmath' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_scipy_is_imported_only_by_the_gamma_family() -> None:
    code = ("import sys, adcli, adcli.engine.series, adcli.lang; print('scipy' in sys.modules); "
            "adcli.lang.run('sin(x) + x^2', {'x': 0.5}); print('scipy' in sys.modules); "
            "adcli.gamma(2.5); print('scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False", "True"]


# ---- the mp forward against the numpy forward ------------------------------------------

POINTS = np.array([-2.5, -0.7, -0.3, 0.0, 0.4, 0.9, 1.7, 3.2])
# Static parameters for primitives that need them; the others run without.
PARAMS: dict[str, list[dict[str, Any]]] = {
    "integer_pow": [{"n": 3}, {"n": -2}, {"n": 0}],
    "reduce_logsumexp": [{"axis": None, "keepdims": False}, {"axis": (1,), "keepdims": True}],
    # Odd orders (and digamma): scipy's sum for an even order cancels near a negative
    # half-integer (polygamma(2, -2.5) keeps 14 digits, polygamma(4, -2.5) 12).
    "polygamma": [{"n": 0}, {"n": 1}, {"n": 3}],
}
MP_COMPUTED = sorted(name for name, prim in PRIMITIVES.items()
                     if series.MP_FORWARD.get(prim) is not None)


@pytest.mark.parametrize("name", MP_COMPUTED)
def test_mp_forward_agrees_with_numpy(name: str) -> None:
    prim = PRIMITIVES[name]
    grids = np.meshgrid(*([POINTS] * prim.arity), indexing="ij")
    if prim.arity == 1:
        grids = [np.stack([POINTS, POINTS[::-1]])]  # 2-D, for reductions over an axis
    forward = series.MP_FORWARD[prim]
    for params in PARAMS.get(name, [{}]):
        with np.errstate(all="ignore"):
            expected = np.asarray(prim.impl(*grids, **params), dtype=np.float64)
        with series.active(precision=30):
            got = forward(*[series.to_mp(g) for g in grids], **params)
        got = np.asarray(got, dtype=object).astype(np.float64)
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0, equal_nan=True,
                                   err_msg=f"{name} {params}")
