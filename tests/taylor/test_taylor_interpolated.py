"""Mixed partials of several inputs by interpolating directional Taylor series
(Griewank, Utke, Walther): the weights exactly, the partials against nested tapes, a
polynomial's partials, precision, engine choice, and the CLI against --engine tape."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli
from adcli.derivatives import interpolated as mixed_partials
from adcli.errors import AdcliUsageError

INTERPOLATED = "taylor (interpolated)"


@pytest.mark.parametrize(("n", "d"), [(1, 3), (2, 1), (2, 4), (3, 3), (3, 5)])
def test_weights_pick_out_each_monomial_exactly(n: int, d: int) -> None:
    # x^m at 0 along j has the single coefficient f_K(j) = j^m, and D^i x^m = i! [i = m].
    directions = mixed_partials.multi_indices(n, d)
    for k, rows in enumerate(mixed_partials.weights(n, d), start=1):
        for i, row in zip(mixed_partials.multi_indices(n, k), rows, strict=True):
            for m in mixed_partials.multi_indices(n, k):
                total = sum(g * math.prod(Fraction(jm) ** mm for jm, mm in zip(j, m, strict=True))
                            for g, j in zip(row, directions, strict=True))
                assert total == (math.prod(math.factorial(a) for a in i) if m == i else 0)


def test_one_direction_per_multi_index_in_contract_order() -> None:
    assert mixed_partials.multi_indices(2, 2) == [(2, 0), (1, 1), (0, 2)]
    assert len(mixed_partials.multi_indices(3, 8)) == math.comb(10, 8)


PROGRAMS = [
    ("sin(x)*exp(y)/(1+x*y)", {"x": 0.3, "y": 0.5}),
    ("log(1 + x*x + y*y) * cos(x - y)", {"x": 0.7, "y": -1.1}),
    ("sqrt(x*y) + atan(x/y) + tanh(x*y)", {"x": 1.3, "y": 0.4}),
    ("sin(x)*exp(y)/(1+x*x+z*z)", {"x": 0.3, "y": -0.2, "z": 0.7}),
    ("exp(x*y*z) - x**3*z + erf(y - z)", {"x": 0.2, "y": 0.9, "z": -0.4}),
]


def _assert_same(interpolated: api.Result, tape: api.Result, rtol: float = 1e-9) -> None:
    assert [d.wrt for d in interpolated.derivatives] == [d.wrt for d in tape.derivatives]
    np.testing.assert_allclose(float(interpolated.value), float(tape.value), rtol=1e-15)
    for a, b in zip(interpolated.derivatives, tape.derivatives, strict=True):
        assert a.order == b.order
        np.testing.assert_allclose(float(a.value), float(b.value), rtol=rtol, atol=1e-12,
                                   err_msg=str(a.wrt))


@pytest.mark.parametrize(("program", "at"), PROGRAMS)
def test_interpolated_partials_equal_nested_tapes(program: str, at: dict[str, float]) -> None:
    parsed = api.parse_program(program)
    for order in (1, 3, 6) if len(at) == 2 else (2, 5):
        interpolated = api.differentiate(parsed, at, order=order, engine="taylor")
        assert interpolated.engine == INTERPOLATED
        _assert_same(interpolated, api.differentiate(parsed, at, order=order, engine="tape"))


def test_a_polynomial_has_its_partials_exactly() -> None:
    result = api.differentiate("x**2*y**3", {"x": 1.5, "y": -2.0}, order=6, engine="taylor")
    values = {d.wrt: float(d.value) for d in result.derivatives}
    assert values[("x", "x", "y", "y", "y")] == pytest.approx(12.0, rel=1e-14)
    assert values[("x", "y", "y", "y")] == pytest.approx(18.0, rel=1e-14)  # 2x * 6
    # Partials that vanish are 0, not float64 noise from the cancelling sum.
    assert values[("x", "x", "x")] == 0.0
    assert all(v == 0.0 for wrt, v in values.items() if len(wrt) == 6)
    assert not result.warnings
    precise = api.differentiate("x**2*y**3", {"x": "1.5", "y": "-2"}, order=5, precision=25)
    assert precise.engine == INTERPOLATED
    exact = {d.wrt: d.value for d in precise.derivatives}
    assert exact[("x", "x", "y", "y", "y")][()] == Decimal(12)
    assert exact[("x", "x", "x", "y", "y")][()] == 0


def test_precision_gives_every_digit_of_a_mixed_partial() -> None:
    result = api.differentiate("sin(x)*exp(y)/(1+x*y)", {"x": "0.3", "y": "0.5"}, order=4,
                               precision=30)
    with mpmath.workdps(60):
        x, y = mpmath.mpf("0.3"), mpmath.mpf("0.5")
        reference = mpmath.diff(lambda a, b: mpmath.sin(a) * mpmath.exp(b) / (1 + a * b),
                                (x, y), (2, 2))
        got = next(d.value for d in result.derivatives if d.wrt == ("x", "x", "y", "y"))[()]
        assert isinstance(got, Decimal)
        assert abs(mpmath.mpf(str(got)) / reference - 1) < mpmath.mpf(10) ** -28
    assert not result.warnings


def test_programs_that_mix_the_direction_batch_run_one_direction_at_a_time() -> None:
    # A reduction over a vector built from the inputs, and a branch on an input:
    # the batched pass cannot run them, and the answer must not change.
    for program in ("v = [x, y, x*y]\nsum(v*v) * x", "if x > y:\n  x*exp(y)\nelse:\n  y*exp(x)"):
        at = {"x": 0.8, "y": 0.3}
        _assert_same(api.differentiate(program, at, order=4, engine="taylor"),
                     api.differentiate(program, at, order=4, engine="tape"))


def test_inputs_not_differentiated_stay_fixed() -> None:
    at = {"x": 0.3, "y": -0.2, "z": 0.7}
    program = "sin(x)*exp(y)/(1+x*x+z*z)"
    _assert_same(api.differentiate(program, at, ["x", "y"], 5, engine="taylor"),
                 api.differentiate(program, at, ["x", "y"], 5, engine="tape"))


def test_auto_interpolates_from_order_3_and_leaves_tensors_to_the_tape() -> None:
    at = {"x": 1.0, "y": 2.0}
    assert api.differentiate("x*y", at, order=2).engine == "tape"
    assert api.differentiate("x*y", at, order=3).engine == INTERPOLATED
    # A vector-valued program has Jacobians: auto goes back to the tape...
    assert api.differentiate("[x*y, x+y]", at, order=3).engine == "tape"
    # ...and the forced engine says why it cannot.
    with pytest.raises(AdcliUsageError, match="scalar program"):
        api.differentiate("[x*y, x+y]", at, order=3, engine="taylor")


def test_a_grid_of_points_gets_mixed_partials_at_each() -> None:
    columns = {"x": np.linspace(0.1, 0.9, 4), "y": np.full(4, 2.0)}
    interpolated = api.differentiate_batch("sin(x*y)/y", columns, order=3, engine="taylor")
    tape = api.differentiate_batch("sin(x*y)/y", columns, order=3, engine="tape")
    assert interpolated.engine == INTERPOLATED
    for a, b in zip(interpolated.derivatives, tape.derivatives, strict=True):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-9, atol=1e-12)


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_json_matches_the_tape_and_the_table_names_the_engine() -> None:
    args = ("grad", "sin(x)*exp(y)/(1+x*x+z*z)", "--at", "x=0.3", "--at", "y=-0.2",
            "--at", "z=0.7", "--order", "4", "--format", "json")
    taylor = json.loads(_cli(*args, "--engine", "taylor"))
    tape = json.loads(_cli(*args, "--engine", "tape"))
    assert taylor.keys() == tape.keys()
    assert taylor["inputs"] == tape["inputs"]
    assert taylor["value"] == pytest.approx(tape["value"], rel=1e-15)
    assert [d["wrt"] for d in taylor["derivatives"]] == [d["wrt"] for d in tape["derivatives"]]
    assert [d["order"] for d in taylor["derivatives"]] == [1] * 3 + [2] * 6 + [3] * 10 + [4] * 15
    for a, b in zip(taylor["derivatives"], tape["derivatives"], strict=True):
        assert a["value"] == pytest.approx(b["value"], rel=1e-9, abs=1e-12)
    table = _cli("grad", "x*x*y", "--at", "x=1", "--at", "y=2", "--order", "3")
    assert f"engine: {INTERPOLATED}" in table
