"""`adcli jacobian` and `adcli hessian` choose forward or reverse mode, say which, and
take `--mode`; a vector input's diagonal Jacobian hints at giving points instead."""

from __future__ import annotations

import json

import numpy as np


def test_fewer_inputs_than_outputs_is_forward_mode_and_the_caption_says_so(adcli):
    run = adcli("jacobian", "[x*y, x + y, sin(x)]", "--at", "x=1", "--at", "y=2", ascii=True)
    assert run.table().splitlines()[-1] == "at x = 1, y = 2; engine: tape, forward mode"


def test_more_inputs_than_outputs_is_reverse_mode(adcli):
    run = adcli("jacobian", "[sum(x), x[0] * x[4]]", "--at", "x=[1, 2, 3, 4, 5]",
                "--format", "json")
    obj = json.loads(run.stdout)
    assert (obj["engine"], obj["mode"]) == ("tape", "reverse")
    assert obj["derivatives"][0]["value"] == [[1.0] * 5, [5.0, 0.0, 0.0, 0.0, 1.0]]


def test_mode_forces_forward_or_reverse_and_the_numbers_agree(adcli):
    program = ("y = tanh(x) * x[0]; [sum(y), y[1] / (1 + x[2]^2)]",
               "--at", "x=[0.3, -0.8, 1.7]")
    answers = {}
    for mode in ("forward", "reverse"):
        obj = json.loads(adcli("jacobian", *program, "--mode", mode,
                               "--format", "jsonl").stdout)
        assert obj["mode"] == mode
        answers[mode] = np.array(obj["derivatives"][0]["value"])
    assert answers["forward"].shape == (2, 3)
    np.testing.assert_allclose(answers["forward"], answers["reverse"], rtol=1e-14)


def test_a_hessian_is_forward_over_reverse_unless_asked_otherwise(adcli):
    args = ("hessian", "sum(sin(x)*x) + sum(x)^2", "--at", "x=[0.5, -1.0, 2.0]")
    forward = json.loads(adcli(*args, "--format", "json").stdout)
    reverse = json.loads(adcli(*args, "--mode", "reverse", "--format", "json").stdout)
    assert forward["mode"] == "forward-over-reverse"
    assert reverse["mode"] == "reverse-over-reverse"
    x = np.array([0.5, -1.0, 2.0])
    exact = np.diag(2 * np.cos(x) - x * np.sin(x)) + 2.0
    np.testing.assert_allclose(forward["hessian"], exact, rtol=1e-14)
    np.testing.assert_allclose(reverse["hessian"], exact, rtol=1e-14)
    table = adcli(*args, "--mode", "reverse", ascii=True).table()
    assert table.splitlines()[-1].endswith("; reverse-over-reverse")


def test_a_mode_that_does_not_exist_is_a_usage_error(adcli):
    run = adcli("jacobian", "x * x", "--at", "x=[1, 2]", "--mode", "sideways")
    assert run.exit_code == 2
    assert "'sideways' is not one of 'auto', 'forward', 'reverse'" in run.stderr


def test_grids_of_points_stay_pointwise_with_the_mode_in_json(adcli):
    lines = adcli("jacobian", "[x, x^2]", "--at", "x=1:2:2", "--format", "json").stdout
    objects = [json.loads(line.rstrip(",")) for line in lines.splitlines()[1:-1]]
    assert [o["derivatives"][0]["value"] for o in objects] == [[1.0, 2.0], [1.0, 4.0]]
    assert {o["mode"] for o in objects} == {"forward"}


def test_a_diagonal_jacobian_of_a_vector_input_hints_at_points(adcli):
    run = adcli("grad", "sin(x)", "--at", "x=linspace(0, 1, 5)", "--format", "plain")
    assert run.exit_code == 0
    assert "diagonal 5x5 Jacobian" in run.stderr
    assert "--at x=0:1:5" in run.stderr
    uneven = adcli("grad", "sin(x)", "--at", "x=[0, 1, 3]", "--format", "plain")
    assert "--at x=START:STOP:COUNT or --points FILE" in uneven.stderr


def test_no_hint_where_the_jacobian_is_not_diagonal_or_was_asked_for(adcli):
    assert "diagonal" not in adcli("grad", "x * sum(x)", "--at", "x=[1, 2]").stderr
    assert adcli("jacobian", "sin(x)", "--at", "x=[1, 2]").stderr == ""
    assert adcli("grad", "sin(x)", "--at", "x=0:1:5", "--format", "csv").stderr == ""
