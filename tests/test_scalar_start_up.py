"""A scalar program at one point runs without importing numpy (issue 15); numpy is
imported, transparently, the moment something needs it (a tensor, a grid, a function
whose scalar form is not bit-identical to numpy's), and the Python API still gives
numpy arrays.

The commands run in fresh interpreters (subprocesses), which report whether numpy was
imported, so that nothing this test process imported can hide an import."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from adcli import api

HEADLINE = ["grad", "x*x*x", "--at", "x=1", "--order", "2"]


def _modules(args: list[str]) -> tuple[str, set[str]]:
    """adcli's standard output for `args` and the modules the run imported."""
    # main() ends the process with os._exit: the report is made on the way out.
    code = ("import os, sys; from adcli.cli.main import main\n"
            "end = os._exit\n"
            "def report(code):\n"
            "    print(' '.join(sys.modules), file=sys.stderr, flush=True)\n"
            "    end(code)\n"
            "os._exit = report\n"
            f"sys.argv = ['adcli', *{args!r}]\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    lines = done.stderr.strip().splitlines()
    assert lines and "adcli.cli.main" in lines[-1].split(), done.stderr
    return done.stdout, set(lines[-1].split())


def _run(args: list[str]) -> tuple[str, bool]:
    """adcli's standard output for `args` and whether the run imported numpy."""
    out, modules = _modules(args)
    return out, "numpy" in modules


@pytest.mark.parametrize("fmt", ["table", "plain", "json"])
def test_the_headline_command_imports_no_numpy(fmt: str) -> None:
    out, imported = _run([*HEADLINE, "--format", fmt])
    assert not imported
    if fmt == "plain":
        assert out == "1.0\n3.0\n6.0\n"
    elif fmt == "json":
        data = json.loads(out)
        assert (data["value"], [d["value"] for d in data["derivatives"]]) == (1.0, [3.0, 6.0])
    else:
        rows = {cells[1].strip(): cells[2].strip() for line in out.splitlines()
                if len(cells := line.split("│")) == 4}
        assert rows == {"": "value", "f": "1", "df/dx": "3", "d²f/dx²": "6"}


def test_the_headline_builds_one_command_and_loads_its_tree_without_pickle() -> None:
    _modules(HEADLINE)  # parses and stores the program's tree if it is not cached yet
    out, modules = _modules([*HEADLINE, "--format", "plain"])
    assert out == "1.0\n3.0\n6.0\n"
    commands = {name for name in modules if name.startswith("adcli.cli.commands.")}
    assert commands == {"adcli.cli.commands.grad"}
    assert not modules & {"pickle", "dataclasses", "lark", "rich", "numpy"}


@pytest.mark.parametrize("args", [
    ["eval", "sin(x)*cos(y)", "--at", "x=0.5", "--at", "y=-1", "--format", "plain"],
    ["grad", "sqrt(1 + x*x) / (x + cos(x)) - abs(x)", "--at", "x=2", "--order", "2",
     "--format", "plain"],
    ["grad", "a*x", "--at", "x=2", "--let", "a=pi", "--format", "plain"],
    ["grad", "y = x\nfor i in range(3):\n    y = y * x\ny", "--at", "x=2", "--format",
     "plain"],
])
def test_scalar_programs_import_no_numpy(args: list[str]) -> None:
    assert not _run(args)[1]


@pytest.mark.parametrize("args", [
    ["grad", "reduce_sum(x * x)", "--at", "x=[1, 2]", "--format", "plain"],
    ["grad", "x*x", "--at", "x=0:1:3", "--format", "plain"],
    # exp's scalar form may differ from numpy's in the last bit (ops.SCALAR_LAST_BIT): a
    # value never depends on which form computed it, so numpy computes it.
    ["grad", "exp(x)", "--at", "x=3", "--format", "plain"],
    ["grad", "reduce_sum([x, x * x])", "--at", "x=3", "--format", "plain"],
])
def test_numpy_is_imported_when_a_tensor_or_grid_appears(args: list[str]) -> None:
    out, imported = _run(args)
    assert imported and out


def test_a_tensor_inside_a_scalar_program_gives_the_same_numbers() -> None:
    # The tensor appears in the middle of a run that began on Python floats.
    out, _ = _run(["grad", "reduce_sum([x, x * x, sin(x)])", "--at", "x=3", "--format",
                   "plain"])
    value, slope = (float(v) for v in out.split())
    assert value == 3 + 9 + np.sin(3.0)
    assert slope == 1 + 6 + np.cos(3.0)


def test_scalar_and_array_runs_print_the_same_digits() -> None:
    # A 1-point grid runs on numpy arrays; --at x=... on Python floats.
    program = "sin(sqrt(x)) / (1 + x*x*x) - cos(x) * (x - 1/x)"
    single, imported = _run(["grad", program, "--at", "x=0.7", "--order", "2", "--format",
                             "plain"])
    grid, _ = _run(["grad", program, "--at", "x=0.7:0.7:1", "--order", "2", "--format",
                    "csv"])
    assert not imported
    assert single.split() == grid.splitlines()[1].split(",")[1:]


def test_the_python_api_still_gives_numpy_arrays() -> None:
    result = api.differentiate("x*x*x", {"x": 1.0}, order=2)
    assert isinstance(result.value, np.ndarray) and result.value.shape == ()
    assert isinstance(result.inputs["x"], np.ndarray)
    assert all(isinstance(d.value, np.ndarray) for d in result.derivatives)
    assert [float(d.value) for d in result.derivatives] == [3.0, 6.0]
    batch = api.differentiate_batch("x*x*x", {"x": [1.0]}, order=2)
    assert isinstance(batch.value, np.ndarray) and batch.value.shape == (1,)


def test_a_point_result_holds_python_floats() -> None:
    result = api.point_result("x*x*x", {"x": 2}, order=2)
    assert type(result.value) is float and result.value == 8.0
    assert [d.value for d in result.derivatives] == [12.0, 12.0]
    assert type(result.inputs["x"]) is float
