"""`adcli jacobian`, `hessian`, `tape` and `check`, in each of their output formats."""

from __future__ import annotations

import json

JAC = ("jacobian", "[x*y, x + y, sin(x)]", "--at", "x=1", "--at", "y=2")
HES = ("hessian", "x^2*y + y^3", "--at", "x=1", "--at", "y=2")
TAPE = ("tape", "y = x * x; z = y * y", "--at", "x=3")


def test_jacobian_json_has_one_column_per_variable(adcli):
    run = adcli(*JAC, "--format", "json")
    assert json.loads(run.stdout) == {
        "inputs": {"x": 1.0, "y": 2.0}, "value": [2.0, 3.0, 0.8414709848078965],
        "derivatives": [{"wrt": ["x"], "order": 1, "value": [2.0, 1.0, 0.5403023058681398]},
                        {"wrt": ["y"], "order": 1, "value": [1.0, 1.0, 0.0]}],
        "warnings": [], "engine": "tape", "mode": "forward"}


def test_jacobian_csv_and_plain(adcli):
    assert adcli(*JAC, "--format", "csv").stdout == (
        "x,y,f[0],f[1],f[2],df/dx[0],df/dx[1],df/dx[2],df/dy[0],df/dy[1],df/dy[2]\n"
        "1.0,2.0,2.0,3.0,0.8414709848078965,2.0,1.0,0.5403023058681398,1.0,1.0,0.0\n")
    assert adcli(*JAC, "--format", "plain").stdout == (
        "2.0 3.0 0.8414709848078965\n2.0 1.0 0.5403023058681398\n1.0 1.0 0.0\n")


def test_jacobian_of_a_vector_input_is_shown_as_a_matrix(adcli):
    run = adcli("jacobian", "x * x", "--at", "x=[1, 2, 3]", ascii=True)
    assert run.table() == (
        "x * x\n"
        "╭────────┬─────────────────┬───────────────╮\n"
        "│        │           value │               │\n"
        "├────────┼─────────────────┼───────────────┤\n"
        "│ f      │           1 4 9 │ shape (3,)    │\n"
        "│ df/dx  │ ┌───┬───┬───┐   │ shape (3, 3)  │\n"
        "│        │ │ 2 │ 0 │ 0 │   │               │\n"
        "│        │ │ 0 │ 4 │ 0 │   │               │\n"
        "│        │ │ 0 │ 0 │ 6 │   │               │\n"
        "│        │ └───┴───┴───┘   │               │\n"
        "╰────────┴─────────────────┴───────────────╯\n"
        "at x = [1, 2, 3]; engine: tape, forward mode\n")
    assert run.stderr == ""  # the Jacobian was asked for: no hint about points


def test_hessian_table_is_the_matrix(adcli):
    run = adcli(*HES)
    assert run.exit_code == 0
    assert run.table() == (
        "x^2*y + y^3\n"
        "╭────────────────┬───────────────┬────────────────────╮\n"
        "│                │             x │                  y │\n"
        "├────────────────┼───────────────┼────────────────────┤\n"
        "│ x              │             4 │                  2 │\n"
        "│ y              │             2 │                 12 │\n"
        "╰────────────────┴───────────────┴────────────────────╯\n"
        "Hessian at x = 1, y = 2; value 10; reverse-over-reverse\n")


def test_hessian_over_the_entries_of_a_vector_input(adcli):
    run = adcli("hessian", "sum(x^3)", "--at", "x=[1, 2]")
    assert run.table().splitlines()[2:6] == [
        "│                │           x[0] │           x[1] │",
        "├────────────────┼────────────────┼────────────────┤",
        "│ x[0]           │              6 │              0 │",
        "│ x[1]           │              0 │             12 │"]
    assert run.table().splitlines()[-1] == \
        "Hessian at x = [1, 2]; value 9; forward-over-reverse"


def test_hessian_json_adds_the_matrix_and_its_labels(adcli):
    obj = json.loads(adcli(*HES, "--format", "json").stdout)
    assert obj["hessian"] == [[4.0, 2.0], [2.0, 12.0]]
    assert obj["labels"] == ["x", "y"]
    assert obj["value"] == 10.0
    assert [(d["wrt"], d["value"]) for d in obj["derivatives"]] == [
        (["x"], 4.0), (["y"], 13.0), (["x", "x"], 4.0), (["x", "y"], 2.0), (["y", "y"], 12.0)]


def test_hessian_csv_and_plain_are_the_matrix(adcli):
    assert adcli(*HES, "--format", "csv").stdout == "x,y\n4.0,2.0\n2.0,12.0\n"
    assert adcli(*HES, "--format", "tsv").stdout == "x\ty\n4.0\t2.0\n2.0\t12.0\n"
    assert adcli(*HES, "--format", "plain").stdout == "4.0 2.0\n2.0 12.0\n"


def test_hessian_wrt_picks_the_variables(adcli):
    run = adcli(*HES, "--wrt", "y", "--format", "plain")
    assert run.stdout == "12.0\n"


def test_tape_table_shows_values_and_adjoints(adcli):
    run = adcli(*TAPE, ascii=True)
    assert run.table() == (
        "y = x * x; z = y * y\n"
        "╭────┬──────────────┬──────────┬────────┬───────────┬──────╮\n"
        "│  # │ operation    │ inputs   │  value │   adjoint │ name │\n"
        "├────┼──────────────┼──────────┼────────┼───────────┼──────┤\n"
        "│  0 │ input        │          │      3 │       108 │ x    │\n"
        "│  1 │ square       │ #0       │      9 │        18 │ y    │\n"
        "│  2 │ square       │ #1       │     81 │         1 │ z    │\n"
        "╰────┴──────────────┴──────────┴────────┴───────────┴──────╯\n"
        "adjoint: the gradient of the result with respect to that row\n")


def test_tape_of_a_tensor_input_shows_the_reduction(adcli):
    run = adcli("tape", "y = sum(x); z = y * y", "--at", "x=ones(2, 2)", "--format", "csv")
    assert run.stdout == ("index,operation,inputs,value,adjoint,name\n"
                          "0,input,,1.0 1.0 1.0 1.0,8.0 8.0 8.0 8.0,x\n"
                          "1,reduce_sum,#0 keepdims=False,4.0,8.0,y\n"
                          "2,square,#1,16.0,1.0,z\n")


def test_tape_json_jsonl_and_plain(adcli):
    rows = [{"index": 0, "operation": "input", "inputs": [], "value": 3.0, "adjoint": 108.0,
             "name": "x"},
            {"index": 1, "operation": "square", "inputs": ["#0"], "value": 9.0, "adjoint": 18.0,
             "name": "y"},
            {"index": 2, "operation": "square", "inputs": ["#1"], "value": 81.0, "adjoint": 1.0,
             "name": "z"}]
    assert json.loads(adcli(*TAPE, "--format", "json").stdout) == rows
    assert [json.loads(line) for line in
            adcli(*TAPE, "--format", "jsonl").stdout.splitlines()] == rows
    assert adcli(*TAPE, "--format", "plain").stdout == (
        "0 input 3.0 108.0\n1 square 9.0 18.0\n2 square 81.0 1.0\n")


def test_check_table_agrees_with_finite_differences(adcli):
    run = adcli("check", "exp(x)/x", "--at", "x=2", "--order", "2", "--digits", "6",
                ascii=True)
    assert run.exit_code == 0
    lines = run.table().splitlines()
    assert lines[0] == "exp(x)/x"
    assert lines[2] == ("│ derivative │ automatic │ finite differences │ rel. difference │ ok  │")
    assert [line[:48] for line in lines[4:6]] == [
        "│ df/dx      │   1.84726 │            1.84726 │ ",
        "│ d2f/dx2    │   1.84726 │            1.84726 │ "]
    assert [line[-7:] for line in lines[4:6]] == ["│ yes │", "│ yes │"]
    assert lines[-1].strip() == "tolerance 1e-06 (relative to max(|auto|, |numeric|, 1))"


def test_check_json_reports_every_pair_and_ok(adcli):
    run = adcli("check", "x*y^2", "--at", "x=1", "--at", "y=2", "--order", "2",
                "--format", "json")
    obj = json.loads(run.stdout)
    assert run.exit_code == 0
    assert (obj["inputs"], obj["value"], obj["ok"]) == ({"x": 1.0, "y": 2.0}, 4.0, True)
    assert [(c["wrt"], c["automatic"], c["ok"]) for c in obj["checks"]] == [
        (["x"], 4.0, True), (["y"], 4.0, True), (["x", "x"], 0.0, True),
        (["x", "y"], 4.0, True), (["y", "y"], 2.0, True)]
    assert all(abs(c["numeric"] - c["automatic"]) < 1e-9 for c in obj["checks"])
    assert all(c["relative_difference"] < 1e-9 for c in obj["checks"])


def test_check_csv_header_and_labels(adcli):
    run = adcli("check", "x*y^2", "--at", "x=1", "--at", "y=2", "--format", "csv")
    lines = run.stdout.splitlines()
    assert lines[0] == "derivative,order,automatic,numeric,relative_difference,ok"
    assert [line.split(",")[:3] + line.split(",")[-1:] for line in lines[1:]] == [
        ["df/dx", "1", "4.0", "true"], ["df/dy", "1", "4.0", "true"]]


def test_check_with_a_zero_tolerance_can_fail(adcli):
    run = adcli("check", "exp(x)", "--at", "x=1", "--tolerance", "0", "--format", "json")
    assert run.exit_code == 1
    assert json.loads(run.stdout)["ok"] is False
    assert run.stderr == "check failed: automatic and numeric derivatives disagree\n"
