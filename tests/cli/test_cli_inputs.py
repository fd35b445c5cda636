"""The inputs of a command: ranges and grids, --points files and stdin, --let, --of,
--wrt (inputs and intermediate variables), -f FILE and `-`, --unconnected, and how
None derivatives, nan/inf and warnings come out."""

from __future__ import annotations

import json


def test_a_range_gives_count_evenly_spaced_points_with_both_ends(adcli):
    run = adcli("grad", "x*x", "--at", "x=0:1:3", "--format", "tsv")
    assert run.stdout == "x\tf\tdf/dx\n0.0\t0.0\t0.0\n0.5\t0.25\t1.0\n1.0\t1.0\t2.0\n"


def test_range_bounds_are_expressions(adcli):
    run = adcli("eval", "x", "--at", "x=0:pi:3", "--format", "plain")
    assert run.stdout == "0.0\n1.5707963267948966\n3.141592653589793\n"


def test_two_ranges_form_a_cartesian_grid_last_varying_fastest(adcli):
    run = adcli("grad", "x*y", "--at", "x=0:1:3", "--at", "y=1:2:2", "--format", "csv")
    assert run.stdout == (
        "x,y,f,df/dx,df/dy\n"
        "0.0,1.0,0.0,1.0,0.0\n"
        "0.0,2.0,0.0,2.0,0.0\n"
        "0.5,1.0,0.5,1.0,0.5\n"
        "0.5,2.0,1.0,2.0,0.5\n"
        "1.0,1.0,1.0,1.0,1.0\n"
        "1.0,2.0,2.0,2.0,1.0\n")


def test_a_grid_table_has_a_row_per_point(adcli):
    run = adcli("grad", "x*y", "--at", "x=0:1:3", "--at", "y=1:2:2", ascii=True)
    assert run.table() == (
        "x*y\n"
        "╭─────┬───┬─────┬───────┬───────╮\n"
        "│   x │ y │   f │ df/dx │ df/dy │\n"
        "├─────┼───┼─────┼───────┼───────┤\n"
        "│   0 │ 1 │   0 │     1 │     0 │\n"
        "│   0 │ 2 │   0 │     2 │     0 │\n"
        "│ 0.5 │ 1 │ 0.5 │     1 │   0.5 │\n"
        "│ 0.5 │ 2 │   1 │     2 │   0.5 │\n"
        "│   1 │ 1 │   1 │     1 │     1 │\n"
        "│   1 │ 2 │   2 │     2 │     1 │\n"
        "╰─────┴───┴─────┴───────┴───────╯\n"
        "     6 points; engine: tape\n")


def test_a_fixed_input_joins_every_point_of_a_grid(adcli):
    run = adcli("grad", "a*x", "--at", "x=1:2:2", "--at", "a=3", "--format", "csv")
    assert run.stdout == "x,a,f,df/dx,df/da\n1.0,3.0,3.0,3.0,1.0\n2.0,3.0,6.0,3.0,2.0\n"


def test_json_of_a_grid_is_an_array_and_jsonl_one_object_per_line(adcli):
    args = ("grad", "x*x", "--at", "x=1:2:2")
    array = json.loads(adcli(*args, "--format", "json").stdout)
    assert array == [
        {"inputs": {"x": 1.0}, "value": 1.0,
         "derivatives": [{"wrt": ["x"], "order": 1, "value": 2.0}], "warnings": []},
        {"inputs": {"x": 2.0}, "value": 4.0,
         "derivatives": [{"wrt": ["x"], "order": 1, "value": 4.0}], "warnings": []}]
    lines = adcli(*args, "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == array


def test_plain_prints_one_line_per_point_for_a_grid(adcli):
    run = adcli("grad", "x*x", "--at", "x=1:3:3", "--order", "2", "--format", "plain")
    assert run.stdout == "1.0 2.0 2.0\n4.0 4.0 2.0\n9.0 6.0 2.0\n"


def test_points_from_a_tsv_file(adcli, tmp_path):
    path = tmp_path / "points.tsv"
    path.write_text("x\ty\n1\t2\n3\t4\n")
    run = adcli("grad", "x*y", "--points", str(path), "--format", "csv")
    assert run.stdout == "x,y,f,df/dx,df/dy\n1.0,2.0,2.0,2.0,1.0\n3.0,4.0,12.0,4.0,3.0\n"


def test_points_from_stdin_as_csv(adcli):
    run = adcli("grad", "exp(x)", "--points", "-", "--format", "csv", input="x\n0\n1\n")
    # The input column is the file's text, copied as written.
    assert run.stdout == "x,f,df/dx\n0,1.0,1.0\n1,2.718281828459045,2.718281828459045\n"


def test_points_skip_blank_lines_and_fixed_inputs_come_first(adcli):
    run = adcli("grad", "a*x", "--points", "-", "--at", "a=2", "--wrt", "x",
                "--format", "csv", input="x\n1\n\n2\n")
    assert run.stdout == "a,x,f,df/dx\n2.0,1.0,2.0,2.0\n2.0,2.0,4.0,2.0\n"


def test_points_stream_in_chunks_with_one_header(adcli, monkeypatch):
    from adcli.cli import inputs

    monkeypatch.setattr(inputs, "CHUNK_ROWS", 2)
    rows = "".join(f"{i}\n" for i in range(5))
    run = adcli("grad", "x*x", "--points", "-", "--format", "csv", input="x\n" + rows)
    assert run.stdout == ("x,f,df/dx\n0,0.0,0.0\n1,1.0,2.0\n2,4.0,4.0\n"
                          "3,9.0,6.0\n4,16.0,8.0\n")


def test_let_gives_a_constant_that_is_not_differentiated(adcli):
    run = adcli("grad", "x^k", "--at", "x=2", "--let", "k=3", "--order", "3",
                "--format", "json")
    assert json.loads(run.stdout) == {
        "inputs": {"x": 2.0}, "value": 8.0,
        "derivatives": [{"wrt": ["x"], "order": 1, "value": 12.0},
                        {"wrt": ["x", "x"], "order": 2, "value": 12.0},
                        {"wrt": ["x", "x", "x"], "order": 3, "value": 6.0}],
        "warnings": []}


def test_let_drives_a_loop_count(adcli):
    run = adcli("eval", "out = 1; for i in range(n): out = out * 2", "--let", "n=10",
                "--format", "plain")
    assert run.stdout == "1024.0\n"


def test_wrt_an_intermediate_variable(adcli):
    run = adcli("grad", "y = sum(x); z = y * y", "--at", "x=ones(2, 2)", "--wrt", "x,y",
                "--format", "json")
    assert json.loads(run.stdout)["derivatives"] == [
        {"wrt": ["x"], "order": 1, "value": [[8.0, 8.0], [8.0, 8.0]]},
        {"wrt": ["y"], "order": 1, "value": 8.0}]


def test_wrt_an_intermediate_variable_in_a_table(adcli):
    run = adcli("grad", "y = sum(x); z = y * y", "--at", "x=ones(2, 2)", "--wrt", "x,y")
    assert run.table() == (
        "y = sum(x); z = y * y\n"
        "╭────────┬───────────┬──────────────╮\n"
        "│        │     value │              │\n"
        "├────────┼───────────┼──────────────┤\n"
        "│ f      │        16 │              │\n"
        "│ ∂f/∂x  │ ┌───┬───┐ │ shape (2, 2) │\n"
        "│        │ │ 8 │ 8 │ │              │\n"
        "│        │ │ 8 │ 8 │ │              │\n"
        "│        │ └───┴───┘ │              │\n"
        "│ ∂f/∂y  │         8 │              │\n"
        "╰────────┴───────────┴──────────────╯\n"
        "at x = [[1, 1], [1, 1]]; engine: tape\n")


def test_wrt_chooses_and_orders_the_variables(adcli):
    run = adcli("grad", "x*y*y", "--at", "x=2", "--at", "y=3", "--wrt", "y,x", "--order", "2",
                "--format", "csv")
    assert run.stdout == ("x,y,f,df/dy,df/dx,d2f/dy2,d2f/dydx,d2f/dx2\n"
                          "2.0,3.0,18.0,12.0,9.0,4.0,6.0,0.0\n")


def test_of_names_the_result_variable(adcli):
    run = adcli("grad", "a = x * x; b = 3 * x", "--at", "x=2", "--of", "a", "--format", "plain")
    assert run.stdout == "4.0\n4.0\n"


def test_an_unconnected_derivative_is_null_with_its_reason(adcli):
    run = adcli("grad", "x*x", "--at", "x=1", "--at", "y=2", "--format", "json")
    assert json.loads(run.stdout)["derivatives"] == [
        {"wrt": ["x"], "order": 1, "value": 2.0},
        {"wrt": ["y"], "order": 1, "value": None,
         "reason": "the result does not depend on 'y'"}]
    assert run.stderr == "warning: the result does not depend on the input 'y'\n"


def test_an_unconnected_derivative_shows_its_reason_in_a_table_and_none_in_csv(adcli):
    args = ("grad", "x*x", "--at", "x=1", "--at", "y=2", "-q")
    assert adcli(*args, ascii=True).table() == (
        "x*x\n"
        "╭───────┬───────┬───────────────────────────────────╮\n"
        "│       │ value │                                   │\n"
        "├───────┼───────┼───────────────────────────────────┤\n"
        "│ f     │     1 │                                   │\n"
        "│ df/dx │     2 │                                   │\n"
        "│ df/dy │  None │ the result does not depend on 'y' │\n"
        "╰───────┴───────┴───────────────────────────────────╯\n"
        "            at x = 1, y = 2; engine: tape\n")
    assert adcli(*args, "--format", "csv").stdout == "x,y,f,df/dx,df/dy\n1.0,2.0,1.0,2.0,none\n"
    assert adcli(*args, "--format", "plain").stdout == "1.0\n2.0\nnone\n"


def test_a_non_differentiable_dependence_is_null_with_its_reason(adcli):
    run = adcli("grad", "x > 1", "--at", "x=2", "--format", "json")
    assert json.loads(run.stdout) == {
        "inputs": {"x": 2.0}, "value": True,
        "derivatives": [{"wrt": ["x"], "order": 1, "value": None,
                         "reason": "the result depends on it only through "
                                   "non-differentiable operations (greater)"}],
        "warnings": []}


def test_unconnected_zero_gives_zeros_of_the_right_shape(adcli):
    run = adcli("grad", "x*x", "--at", "x=1", "--at", "y=[1, 2]", "--unconnected", "zero",
                "--format", "json")
    assert json.loads(run.stdout)["derivatives"] == [
        {"wrt": ["x"], "order": 1, "value": 2.0},
        {"wrt": ["y"], "order": 1, "value": [0.0, 0.0]}]


def test_a_higher_derivative_of_a_connected_variable_is_zero_not_none(adcli):
    run = adcli("grad", "5*x", "--at", "x=1", "--order", "2", "--format", "json")
    assert json.loads(run.stdout)["derivatives"] == [
        {"wrt": ["x"], "order": 1, "value": 5.0},
        {"wrt": ["x", "x"], "order": 2, "value": 0.0}]


def test_nan_and_infinities_are_strings_in_json_with_warnings(adcli):
    run = adcli("grad", "log(x)", "--at", "x=0", "--format", "json")
    assert json.loads(run.stdout) == {
        "inputs": {"x": 0.0}, "value": "-inf",
        "derivatives": [{"wrt": ["x"], "order": 1, "value": "inf"}],
        "warnings": ["log() at 1:1 turned finite inputs into -inf in 'log(x)'",
                     "df/dx is not finite (infinite)"]}
    assert run.stderr == ("warning: log() at 1:1 turned finite inputs into -inf in 'log(x)'\n"
                          "warning: df/dx is not finite (infinite)\n")
    nan = adcli("grad", "sqrt(x)", "--at", "x=-1", "--format", "jsonl", "-q")
    assert json.loads(nan.stdout)["value"] == "nan"
    assert adcli("grad", "sqrt(x)", "--at", "x=-1", "--format", "csv", "-q").stdout == \
        "x,f,df/dx\n-1.0,nan,nan\n"


def test_quiet_silences_warnings_but_keeps_them_in_json(adcli):
    run = adcli("grad", "log(x)", "--at", "x=0", "--format", "json", "-q")
    assert run.stderr == ""
    assert json.loads(run.stdout)["warnings"] == [
        "log() at 1:1 turned finite inputs into -inf in 'log(x)'",
        "df/dx is not finite (infinite)"]


def test_program_from_a_file(adcli, tmp_path):
    path = tmp_path / "f.adcli"
    path.write_text("def f(t):\n    return t * t * t\n\nf(x)\n")
    run = adcli("grad", "-f", str(path), "--at", "x=2", "--order", "2", "--format", "plain")
    assert run.stdout == "8.0\n12.0\n12.0\n"


def test_program_from_stdin(adcli):
    run = adcli("grad", "-", "--at", "x=3", "--format", "plain", input="x * x\n")
    assert run.stdout == "9.0\n6.0\n"


def test_order_zero_gives_the_value_only(adcli):
    assert adcli("grad", "x*x", "--at", "x=3", "--order", "0", "--format", "plain").stdout \
        == "9.0\n"


def test_points_text_is_reprinted_when_the_delimiters_differ(adcli):
    # A TSV points file written as CSV: the file's text cannot be copied, so the
    # parsed numbers are printed with every digit.
    run = adcli("grad", "x*y", "--points", "-", "--format", "csv", input="x\ty\n1\t2\n")
    assert run.stdout == "x,y,f,df/dx,df/dy\n1.0,2.0,2.0,2.0,1.0\n"


def test_points_with_blank_lines_keep_rows_and_text_aligned(adcli):
    run = adcli("grad", "x*x", "--points", "-", "--format", "csv",
                input="x\n1\n\n  \n3\n")
    assert run.stdout == "x,f,df/dx\n1,1.0,2.0\n3,9.0,6.0\n"


def test_points_with_fixed_inputs_print_every_input_column(adcli):
    run = adcli("grad", "x*y", "--at", "y=2", "--wrt", "x", "--points", "-", "--format",
                "csv", input="x\n1.50\n")
    assert run.stdout == "y,x,f,df/dx\n2.0,1.5,3.0,2.0\n"
