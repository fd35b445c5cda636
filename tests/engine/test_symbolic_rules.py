"""The symbolic interpretation of the primitives (adcli/engine/symbolic.py).

Every elementwise primitive's formula, with numbers put in for its symbols, gives its
numpy forward's value (as the mp forwards are checked in test_registry.py); the
primitives no program text reaches (the gradient rules' helpers, cast, scatter) are
checked here directly; and a formula's truth is a number only where it has no input.
"""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import sympy

from adcli.engine import symbolic
from adcli.engine.primitives import PRIMITIVES, bind
from adcli.engine.tensor import Tensor

POINTS = (-2.5, -0.7, 0.4, 0.9, 1.7, 3.2)
PARAMS: dict[str, dict[str, Any]] = {"integer_pow": {"n": 3}, "polygamma": {"n": 1}}
# The elementwise primitives of numbers (logical_and and friends take truth values, and
# where a condition: tests/derivatives/test_diff_formulas.py covers them).
ELEMENTWISE = sorted(
    name for name, prim in PRIMITIVES.items()
    if getattr(symbolic.SYMBOLIC_RULES.get(prim), "__name__", "").startswith("symbolic_")
    and prim.arity in (1, 2) and not name.startswith("logical_"))


def _formula(name: str, *names: str) -> Any:
    prim = PRIMITIVES[name]
    with symbolic.active():
        out = bind(prim, tuple(symbolic.symbol(n) for n in names), PARAMS.get(name))
    return symbolic._exprs(out)[()]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_the_formula_gives_the_numpy_forward(name: str) -> None:
    prim = PRIMITIVES[name]
    names = ("x", "y")[: prim.arity]
    formula = _formula(name, *names)
    symbols = [sympy.Symbol(n, real=True) for n in names]
    grids = np.meshgrid(*([np.array(POINTS)] * prim.arity), indexing="ij")
    with np.errstate(all="ignore"):
        expected = np.asarray(prim.impl(*grids, **PARAMS.get(name, {})), dtype=np.float64)
    for index in np.ndindex(expected.shape):
        if not math.isfinite(expected[index]):
            continue
        values = {s: sympy.Rational(repr(float(g[index]))) for s, g in zip(symbols, grids,
                                                                            strict=True)}
        got = symbolic.number(formula.subs(values))
        assert got == pytest.approx(expected[index], rel=1e-12, abs=1e-300), (name, values)


def test_the_gradient_helpers_are_products_and_choices() -> None:
    x, g = sympy.Symbol("x", real=True), sympy.Symbol("g", real=True)
    assert _formula("mul_strong_zero", "x", "g") == x * g
    relu_grad = _formula("relu_grad", "g", "x")
    assert relu_grad.subs(x, 2) == g and relu_grad.subs(x, 0) == 0


def test_cast_keeps_a_formula_as_a_float_and_refuses_to_round_it() -> None:
    with symbolic.active():
        x = symbolic.symbol("x")
        assert bind(PRIMITIVES["cast"], (x,), {"dtype": np.dtype(np.float64)}) is not None
        whole = bind(PRIMITIVES["cast"], (symbolic.constant(2.0),), {"dtype": np.dtype(int)})
        assert whole.numpy() == 2
        with pytest.raises(ValueError, match="cannot become a whole number"):
            bind(PRIMITIVES["cast"], (x,), {"dtype": np.dtype(int)})


def test_scatter_places_formulas_among_zeros() -> None:
    with symbolic.active():
        out = bind(PRIMITIVES["scatter"], (symbolic.symbol("x"),),
                   {"index": 1, "shape": (3,)})
    assert [str(e) for e in symbolic._exprs(out)] == ["0", "x", "0"]


def test_a_formula_of_numbers_is_a_number_and_one_of_an_input_is_not() -> None:
    with symbolic.active():
        third = bind(PRIMITIVES["divide"], (symbolic.constant(1.0), symbolic.constant(3.0)))
        assert float(third) == 1 / 3 and third.unknowns == ()
        assert str(symbolic._exprs(third)[()]) == "1/3"
        x = symbolic.symbol("x")
        assert x.unknowns == ("x",)
        with pytest.raises(ValueError, match="a formula in 'x'"):
            bool(x)
        decided = bind(PRIMITIVES["less"], (symbolic.constant(1.0), symbolic.constant(2.0)))
    assert type(decided) is Tensor and bool(decided)


def test_floats_become_the_rationals_of_their_decimals() -> None:
    assert symbolic.exact(0.1) == sympy.Rational(1, 10)
    assert symbolic.exact(2.0) == 2 and symbolic.exact(float("inf")) == sympy.oo


def test_a_primitive_without_a_symbolic_rule_is_a_value_error_naming_it(monkeypatch) -> None:
    prim = PRIMITIVES["sin"]
    monkeypatch.delitem(symbolic.SYMBOLIC_RULES, prim)
    with symbolic.active(), pytest.raises(ValueError, match="'sin' has no symbolic rule"):
        bind(prim, (symbolic.symbol("x"),))


def test_registering_the_rules_does_not_import_sympy() -> None:
    code = ("import sys, adcli.engine.symbolic, adcli.engine.series; "
            "adcli.engine.series.missing_rules(); print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
