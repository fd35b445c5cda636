"""At a removable singularity (0/0 that has a limit) the tape gives nan; with engine
"auto" a single point is computed again in Taylor mode, which takes the limit, and a
note says so. Other engines keep their own numbers."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli


@pytest.mark.parametrize("program,expected", [
    ("sin(x)/x", [1.0, 0.0, -1 / 3]),
    ("(1 - cos(x))/x^2", [0.5, 0.0, -1 / 12]),
    ("(exp(x) - 1)/x", [1.0, 0.5, 1 / 3]),
])
def test_auto_gives_the_limit_at_zero_with_a_note(program, expected):
    result = api.differentiate(program, {"x": 0.0}, order=2)
    got = [float(result.value)] + [float(d.value) for d in result.derivatives]
    assert got == pytest.approx(expected, rel=1e-14, abs=1e-15)
    # Taylor mode takes the limit, directly or as the recomputation of a sum that
    # cancelled (1 - cos(0)); either way a note says so and no stale nan warning stays.
    assert api.kind_of(result.warnings[0]) in ("limit", "precision")
    assert not any("nan" in w for w in result.warnings[1:])


def test_the_tape_engine_keeps_its_nan():
    result = api.differentiate("sin(x)/x", {"x": 0.0}, order=1, engine="tape")
    assert str(float(result.value)) == "nan"


def test_a_pole_stays_a_pole():
    result = api.differentiate("1/x", {"x": 0.0}, order=1)
    assert float(result.value) == float("inf")
    assert not any(api.kind_of(w) == "limit" for w in result.warnings)


def test_the_cli_prints_the_limit_and_the_note():
    run = CliRunner().invoke(cli, ["grad", "sin(x)/x", "--at", "x=0", "--order", "2",
                                   "--format", "json"], prog_name="adcli")
    assert run.exit_code == 0
    answer = json.loads(run.stdout)
    assert answer["value"] == 1.0
    assert [d["value"] for d in answer["derivatives"]] == pytest.approx([0.0, -1 / 3])
    assert "removable singularity" in run.stderr


@pytest.mark.parametrize("program,at", [
    ("abs(x)/x", {"x": 0.0}),
    ("relu(x)/x", {"x": 0.0}),
    ("x*y/(x*x + y*y)", {"x": 0.0, "y": 0.0}),
])
def test_a_zero_over_zero_without_a_limit_stays_nan_and_says_so(program, at):
    # One line through the point gives a series limit; sides or directions disagree.
    result = api.differentiate(program, at)
    assert str(float(result.value)) == "nan"
    assert any("has no limit" in w for w in result.warnings)
    assert not any(api.kind_of(w) == "limit" for w in result.warnings)
