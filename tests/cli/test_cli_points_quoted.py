"""Quoted values in --points files, as RFC 4180 writes them: `"1",2` is the row 1, 2,
like the quoted header names `"x","y"`; a quoted value may hold the delimiter and
`""` is a quote inside quotes (neither makes a number, so both are usage errors that
name the value); malformed quoting is a usage error with the line number. Files with
no quote take numpy's path as before."""

from __future__ import annotations

import json


def usage(message: str) -> str:
    return ("Usage: adcli grad [OPTIONS] [PROGRAM]\nTry 'adcli grad --help' for help.\n\n"
            f"Error: {message}\n")


def test_quoted_values_read_as_the_numbers_inside_the_quotes(adcli):
    run = adcli("grad", "x*y", "--points", "-", "--format", "json",
                input='x,y\n"1",2\n3,"4.5"\n')
    assert run.exit_code == 0, run.stderr
    assert [(p["inputs"], p["value"]) for p in json.loads(run.stdout)] == [
        ({"x": 1.0, "y": 2.0}, 2.0), ({"x": 3.0, "y": 4.5}, 13.5)]


def test_quoted_values_give_the_same_csv_as_unquoted_ones_without_the_quotes(adcli):
    quoted = adcli("grad", "x*y", "--points", "-", "--format", "csv",
                   input='"x","y"\n"1",2\n3,"4"\n')
    plain = adcli("grad", "x*y", "--points", "-", "--format", "csv", input="x,y\n1,2\n3,4\n")
    assert quoted.stdout == plain.stdout == "x,y,f,df/dx,df/dy\n1,2,2.0,2.0,1.0\n3,4,12.0,4.0,3.0\n"


def test_quoted_values_in_a_tsv_file_and_spaces_before_a_quote(adcli):
    run = adcli("eval", "x + y", "--points", "-", "--format", "plain",
                input='x\ty\n"1"\t "2"\n')
    assert (run.exit_code, run.stdout) == (0, "3.0\n")
    run = adcli("eval", "x + y", "--points", "-", "--format", "plain", input='x, y\n1, "2"\n')
    assert (run.exit_code, run.stdout) == (0, "3.0\n")


def test_quoted_rows_keep_blank_lines_and_line_numbers_in_step(adcli):
    run = adcli("eval", "x", "--points", "-", "--format", "plain",
                input='x\n"1"\n\n2\n"3"\n')
    assert run.stdout == "1.0\n2.0\n3.0\n"
    run = adcli("grad", "x", "--points", "-", input='x\n"1"\n\n2\n"three"\n')
    assert run.exit_code == 2
    assert run.stderr == usage("--points: line 5: '\"three\"': 'three' in column 1 (x) is "
                               "not a number")


def test_quoted_values_are_read_exactly_at_a_precision(adcli):
    run = adcli("grad", "3*x", "--points", "-", "--precision", "25", "--format", "csv",
                input='x\n"0.1"\n')
    assert run.stdout == "x,f,df/dx\n0.1,0.3,3.0\n"


def test_quoted_rows_in_a_later_chunk(adcli, monkeypatch):
    from adcli.cli import inputs

    monkeypatch.setattr(inputs, "CHUNK_ROWS", 2)
    run = adcli("eval", "x", "--points", "-", "--format", "plain",
                input='x\n1\n2\n"3"\n4\n5\n"6 "\n')
    assert run.stdout == "1.0\n2.0\n3.0\n4.0\n5.0\n6.0\n"


def test_an_embedded_delimiter_is_one_value_which_is_not_a_number(adcli):
    # RFC 4180: "1,5" is one value (not 1 and 5), so the row has two values.
    run = adcli("grad", "x*y", "--points", "-", input='x,y\n"1,5",2\n')
    assert run.exit_code == 2
    assert run.stderr == usage("--points: line 2: '\"1,5\",2': '1,5' in column 1 (x) is not "
                               "a number")


def test_a_doubled_quote_is_a_quote_inside_the_value(adcli):
    run = adcli("grad", "x*y", "--points", "-", input='x,y\n1,2\n"2""",3\n')
    assert run.exit_code == 2
    assert run.stderr == usage("--points: line 3: '\"2\"\"\",3': '2\"' in column 1 (x) is not "
                               "a number")


def test_quoted_rows_of_the_wrong_width_or_empty_are_usage_errors(adcli):
    run = adcli("grad", "x*y", "--points", "-", input='x,y\n"1",2,3\n')
    assert run.stderr == usage("--points: line 2: '\"1\",2,3' has 3 values, but the header "
                               "names 2 (x,y)")
    run = adcli("grad", "x*y", "--points", "-", input='x,y\n"",2\n')
    assert run.stderr == usage("--points: line 2: '\"\",2' has an empty value in column 1 (x)")


def test_text_after_a_closing_quote_is_malformed_quoting_with_the_line(adcli):
    run = adcli("grad", "x*y", "--points", "-", input='x,y\n1,2\n"1"x,2\n')
    assert run.exit_code == 2
    assert run.stderr == usage(
        "--points: line 3: '\"1\"x,2': malformed quoting: a closing quote must be followed "
        "by the delimiter or the end of the line (quote a whole value, as in \"1.5\",2, and "
        "write a quote inside quotes as \"\")")


def test_an_unclosed_quote_is_malformed_quoting_with_the_line(adcli):
    run = adcli("grad", "x*y", "--points", "-", input='x,y\n\n"1,2\n3,4\n')
    assert run.exit_code == 2
    assert run.stderr == usage(
        "--points: line 3: '\"1,2': malformed quoting: a quote is opened but not closed on "
        "its line (a value cannot span lines) (quote a whole value, as in \"1.5\",2, and "
        "write a quote inside quotes as \"\")")


def test_an_open_quote_never_swallows_the_next_quoted_line(adcli):
    # Per line: RFC 4180 would let "1,2 run on into the next line; a number cannot.
    run = adcli("eval", "x + y", "--points", "-", input='x,y\n"1,2\n"3",4\n')
    assert run.exit_code == 2
    assert "--points: line 2: '\"1,2': malformed quoting: a quote is opened but not " \
        "closed on its line" in run.stderr
    run = adcli("eval", "x + y", "--points", "-", input='x,y\n1"2,"3\n5,6\n')
    assert "--points: line 2: '1\"2,\"3': malformed quoting" in run.stderr


def test_the_first_wrong_line_is_named_whether_quoted_or_not(adcli):
    run = adcli("grad", "x*y", "--points", "-", input='x,y\nabc,2\n"1,5",4\n')
    assert run.stderr.endswith("Error: --points: line 2: 'abc,2': 'abc' in column 1 (x) is "
                               "not a number\n")
    run = adcli("grad", "x*y", "--points", "-", input='x,y\n"1",2\n3,4\n"a",4\n')
    assert run.stderr.endswith("Error: --points: line 4: '\"a\",4': 'a' in column 1 (x) is "
                               "not a number\n")


def test_a_value_holding_the_delimiter_never_becomes_two_values(adcli):
    # "1,5" joined back would read as 1 and 5: the two columns of the header.
    run = adcli("eval", "x + y", "--points", "-", input='x,y\n"1,5"\n')
    assert run.exit_code == 2
    assert run.stderr.endswith("Error: --points: line 2: '\"1,5\"' has 1 value, but the "
                               "header names 2 (x,y)\n")


def test_malformed_quoting_in_the_header_is_a_usage_error_on_line_1(adcli):
    run = adcli("grad", "x*y", "--points", "-", input='"x"y\n1\n')
    assert run.exit_code == 2
    assert "--points: line 1: '\"x\"y': malformed quoting: " in run.stderr
