"""The three seed tutorials run unchanged on adcli, with their assertions and printed output.

Each seed's code lives in tests/seeds/ with `import adcli as tf` in place of
`import tensorflow as tf`. Printed values must match the seed's own output except
for the class name (tf.Tensor -> adcli.Tensor) and the dtype name (float32 ->
float64, adcli's default).
"""

from __future__ import annotations

import contextlib
import io
import runpy
from pathlib import Path

import pytest

SEEDS = Path(__file__).parent / "seeds"


def run_seed(name: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(SEEDS / name), run_name="__seed__")
    return out.getvalue()


@pytest.mark.parametrize("name", ["seed_0_tutorial.py", "seed_1_notebook.py"])
def test_seed_runs_with_every_assertion_holding(name: str) -> None:
    assert run_seed(name) == ""


def test_seed_2_prints_what_tensorflow_printed() -> None:
    expected = (SEEDS / "seed_2_notebook_output.txt").read_text()
    expected = expected.replace("tf.Tensor", "adcli.Tensor").replace("float32", "float64")
    assert run_seed("seed_2_notebook.py") == expected
