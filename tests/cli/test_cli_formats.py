'''Every output format of `adcli grad` and `adcli eval`, with the exact text each prints.

The job is issue 4's main one, `grad "x*x*x" --at x=1 --order 2` (value 1,
derivatives 3 and 6), and a two-variable one whose JSON order (x, y, xx, xy, yy)
is part of the contract. Tables are pinned to 100 columns.
'''

from __future__ import annotations

import json

MAIN = ("grad", "x*x*x", "--at", "x=1", "--order", "2")
TWO = ("grad", "x*y + sin(x)", "--at", "x=1", "--at", "y=2", "--order", "2")


def test_grad_table_shows_value_and_derivatives_with_unicode_labels(adcli):
    run = adcli(*MAIN)
    assert run.exit_code == 0
    assert run.table() == (
        "x*x*x\n"
        "╭───────────┬────────╮\n"
        "│           │  value │\n"
        "├───────────┼────────┤\n"
        "│ f         │      1 │\n"
        "│ df/dx     │      3 │\n"
        "│ d²f/dx²   │      6 │\n"
        "╰───────────┴────────╯\n"
        "at x = 1; engine: tape\n"
    )
    assert run.stderr == ""


def test_grad_table_of_two_variables_uses_partial_labels_in_ascii(adcli):
    run = adcli(*TWO, ascii=True)
    assert run.table() == (
        "x*y + sin(x)\n"
        "╭──────────┬─────────────────╮\n"
        "│          │           value │\n"
        "├──────────┼─────────────────┤\n"
        "│ f        │   2.84147098481 │\n"
        "│ df/dx    │   2.54030230587 │\n"
        "│ df/dy    │               1 │\n"
        "│ d2f/dx2  │ -0.841470984808 │\n"
        "│ d2f/dxdy │               1 │\n"
        "│ d2f/dy2  │               0 │\n"
        "╰──────────┴─────────────────╯\n"
        "at x = 1, y = 2; engine: tape\n"
    )


def test_grad_table_of_two_variables_uses_partial_signs_in_unicode(adcli):
    run = adcli("grad", "x*y", "--at", "x=2", "--at", "y=3")
    assert [line.split("│")[1].strip() for line in run.table().splitlines()[4:7]] == \
        ["f", "∂f/∂x", "∂f/∂y"]


def test_digits_limits_significant_digits_in_tables(adcli):
    run = adcli("eval", "pi", "--digits", "4")
    assert "│ f │ 3.142 │" in run.table()


def test_grad_json_is_one_object_in_contract_order(adcli):
    run = adcli(*TWO, "--format", "json")
    assert run.exit_code == 0
    assert json.loads(run.stdout) == {
        "inputs": {"x": 1.0, "y": 2.0},
        "value": 2.8414709848078967,
        "derivatives": [
            {"wrt": ["x"], "order": 1, "value": 2.5403023058681398},
            {"wrt": ["y"], "order": 1, "value": 1.0},
            {"wrt": ["x", "x"], "order": 2, "value": -0.8414709848078965},
            {"wrt": ["x", "y"], "order": 2, "value": 1.0},
            {"wrt": ["y", "y"], "order": 2, "value": 0.0},
        ],
        "warnings": [],
    }
    assert run.stdout.startswith('{\n  "inputs": {\n    "x": 1.0,')


def test_grad_json_of_the_main_job(adcli):
    run = adcli(*MAIN, "--format", "json")
    assert json.loads(run.stdout) == {
        "inputs": {"x": 1.0}, "value": 1.0,
        "derivatives": [{"wrt": ["x"], "order": 1, "value": 3.0},
                        {"wrt": ["x", "x"], "order": 2, "value": 6.0}],
        "warnings": []}


def test_grad_jsonl_is_one_compact_line(adcli):
    run = adcli(*MAIN, "--format", "jsonl")
    assert run.stdout == (
        '{"inputs": {"x": 1.0}, "value": 1.0, "derivatives": [{"wrt": ["x"], "order": 1, '
        '"value": 3.0}, {"wrt": ["x", "x"], "order": 2, "value": 6.0}], "warnings": []}\n')


def test_grad_csv_has_inputs_value_and_derivative_columns(adcli):
    run = adcli(*TWO, "--format", "csv")
    assert run.stdout == (
        "x,y,f,df/dx,df/dy,d2f/dx2,d2f/dxdy,d2f/dy2\n"
        "1.0,2.0,2.8414709848078967,2.5403023058681398,1.0,-0.8414709848078965,1.0,0.0\n")


def test_grad_tsv_is_tab_separated(adcli):
    run = adcli(*MAIN, "--format", "tsv")
    assert run.stdout == "x\tf\tdf/dx\td2f/dx2\n1.0\t1.0\t3.0\t6.0\n"


def test_grad_plain_prints_value_then_each_derivative_one_per_line(adcli):
    assert adcli(*MAIN, "--format", "plain").stdout == "1.0\n3.0\n6.0\n"
    assert adcli(*TWO, "--format", "plain").stdout == (
        "2.8414709848078967\n2.5403023058681398\n1.0\n-0.8414709848078965\n1.0\n0.0\n")


def test_machine_formats_keep_full_round_trip_precision(adcli):
    run = adcli("grad", "sin(x)", "--at", "x=1", "--format", "plain")
    value, slope = (float(v) for v in run.stdout.split())
    assert run.stdout == "0.8414709848078965\n0.5403023058681398\n"
    assert (value, slope) == (0.8414709848078965, 0.5403023058681398)


def test_tensor_entries_become_indexed_csv_columns(adcli):
    run = adcli("grad", "x*y", "--at", "x=[1,2]", "--at", "y=3", "--format", "csv")
    assert run.stdout == (
        "x[0],x[1],y,f[0],f[1],df/dx[0,0],df/dx[0,1],df/dx[1,0],df/dx[1,1],df/dy[0],df/dy[1]\n"
        "1.0,2.0,3.0,3.0,6.0,3.0,0.0,0.0,3.0,1.0,2.0\n")


def test_tensors_are_nested_lists_in_json_and_space_separated_in_plain(adcli):
    args = ("jacobian", "x * x", "--at", "x=[1, 2]")
    assert json.loads(adcli(*args, "--format", "json").stdout)["derivatives"] == [
        {"wrt": ["x"], "order": 1, "value": [[2.0, 0.0], [0.0, 4.0]]}]
    assert adcli(*args, "--format", "plain").stdout == "1.0 4.0\n2.0 0.0 0.0 4.0\n"


def test_eval_prints_only_the_value(adcli):
    assert adcli("eval", "sin(pi/6)*2", "--format", "plain").stdout == "0.9999999999999999\n"
    run = adcli("eval", "2^10", ascii=True)
    assert run.table() == (
        "2^10\n"
        "╭───┬───────╮\n"
        "│   │ value │\n"
        "├───┼───────┤\n"
        "│ f │  1024 │\n"
        "╰───┴───────╯\n"
        "engine: tape\n"
    )
    assert json.loads(adcli("eval", "2^10", "--format", "json").stdout) == {
        "inputs": {}, "value": 1024.0, "derivatives": [], "warnings": []}


def test_eval_csv_over_a_range(adcli):
    run = adcli("eval", "x^2 + 1", "--at", "x=0:1:5", "--format", "csv")
    assert run.stdout == "x,f\n0.0,1.0\n0.25,1.0625\n0.5,1.25\n0.75,1.5625\n1.0,2.0\n"


def test_booleans_print_as_true_and_false(adcli):
    assert adcli("eval", "x > 1", "--at", "x=2", "--format", "csv").stdout == "x,f\n2.0,true\n"
    assert adcli("eval", "x > 1", "--at", "x=0", "--format", "plain").stdout == "false\n"


def test_narrow_terminal_never_crops_a_matrix_or_a_number(adcli):
    # Too narrow for a boxed grid: the matrix becomes rows of text that wrap
    # between numbers, so every entry is still there, whole or folded, never "…".
    run = adcli("eval", "0.123456789 * [[1, 2, 3], [4, 5, 6]]", env={"COLUMNS": "30"})
    assert run.exit_code == 0
    assert "…" not in run.stdout
    value_column = "".join(line.split("│")[2].strip() for line in run.stdout.splitlines()
                           if line.startswith("│") and line.count("│") >= 3)
    for k in range(1, 7):
        assert f"{0.123456789 * k:.12g}" in value_column
    wide = adcli("eval", "0.123456789 * [[1, 2, 3], [4, 5, 6]]", env={"COLUMNS": "120"})
    assert "┌" in wide.stdout and "0.740740734" in wide.stdout
