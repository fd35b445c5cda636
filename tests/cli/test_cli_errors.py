"""Exit codes and error messages: 0 success, 1 an evaluation error or a failed check,
2 a usage or syntax error; one message on standard error with the source line and a
caret, never a Python traceback (the fixture asserts that for every call)."""

from __future__ import annotations


def usage(command: str, message: str) -> str:
    return (f"Usage: adcli {command} [OPTIONS] [PROGRAM]\n"
            f"Try 'adcli {command} --help' for help.\n\nError: {message}\n")


def test_syntax_error_shows_the_line_and_a_caret_and_exits_2(adcli):
    run = adcli("grad", "x*", "--at", "x=1")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == "syntax error at 1:3: expected an expression after '*'\n  x*\n    ^\n"


def test_syntax_error_on_a_later_line_of_a_program_from_stdin(adcli):
    run = adcli("eval", "-", input="a = 1\nb = a +\n")
    assert run.exit_code == 2
    assert run.stderr == ("syntax error at 2:8: expected an expression after '+'\n"
                          "  b = a +\n         ^\n")


def test_unknown_function_suggests_the_close_name_and_exits_1(adcli):
    run = adcli("grad", "sni(x)", "--at", "x=1")
    assert run.exit_code == 1
    assert run.stderr == ("name error at 1:1: unknown function 'sni'; did you mean 'sin'?\n"
                          "  sni(x)\n  ^^^\n")


def test_a_missing_input_is_a_usage_error_that_shows_the_fix(adcli):
    run = adcli("grad", "x*y", "--at", "x=1")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (
        "usage error at 1:3: missing input 'y': the program reads it, but it has no value\n"
        "  x*y\n    ^\n"
        "hint: give it with --at y=VALUE (an input to differentiate) "
        "or --let y=VALUE (a constant)\n")


def test_a_missing_input_of_eval_is_a_usage_error_too(adcli):
    run = adcli("eval", "x + 1")
    assert run.exit_code == 2
    assert run.stderr.startswith("usage error at 1:1: missing input 'x'")


def test_at_without_a_value_names_the_option_and_an_example(adcli):
    run = adcli("grad", "x", "--at", "x")
    assert run.exit_code == 2
    assert run.stderr == usage("grad", "--at 'x' needs NAME=VALUE, for example --at x=1")


def test_at_with_a_two_part_range_shows_a_correct_range(adcli):
    run = adcli("grad", "x", "--at", "x=1:2")
    assert run.exit_code == 2
    assert run.stderr == usage("grad", "--at x=1:2: a range needs START:STOP:COUNT, for example "
                                       "--at x=0:1:11 (11 points from 0 to 1)")


def test_a_range_count_must_be_a_whole_number(adcli):
    run = adcli("grad", "x", "--at", "x=1:2:0.5")
    assert run.exit_code == 2
    assert run.stderr == usage("grad", "--at x: COUNT must be a whole number of 1 or more, "
                                       "for example --at x=0:1:11 (11 points from 0 to 1)")


def test_an_at_value_that_does_not_evaluate_names_the_option(adcli):
    run = adcli("eval", "x", "--at", "x=foo")
    assert run.exit_code == 2
    assert run.stderr == usage("eval", "--at x=foo: unknown name 'foo'")


def test_an_input_given_twice_is_a_usage_error(adcli):
    run = adcli("grad", "x", "--at", "x=1", "--at", "x=2")
    assert run.stderr == usage("grad", "--at x is given twice")
    assert run.exit_code == 2


def test_unknown_wrt_name_lists_the_known_names(adcli):
    run = adcli("grad", "y = x * x", "--at", "x=1", "--wrt", "q")
    assert run.exit_code == 2
    assert run.stderr == ("usage error: cannot differentiate with respect to 'q': it is "
                          "neither an input nor a variable of the program\n"
                          "hint: known names: x, y\n")


def test_a_malformed_wrt_is_a_usage_error(adcli):
    run = adcli("grad", "x", "--at", "x=1", "--wrt", "x,1y")
    assert run.exit_code == 2
    assert run.stderr == usage("grad", "--wrt 'x,1y': '1y' is not a name; for example --wrt x,y")


def test_program_and_points_cannot_both_come_from_stdin(adcli):
    run = adcli("grad", "-", "--points", "-", input="x\n1\n")
    assert run.exit_code == 2
    assert run.stderr == usage(
        "grad", "standard input can hold the program or the points, not both: give the "
                'program as an argument or with -f FILE, e.g. adcli grad "sin(x)" --points -')


def test_a_points_row_with_the_wrong_width_is_a_usage_error(adcli):
    run = adcli("grad", "x", "--points", "-", input="x,y\n1\n")
    assert run.exit_code == 2
    assert run.stderr == usage("grad", "--points: line 2: '1' has 1 value, but the header names 2 "
                                               "(x,y)")


def test_an_empty_points_file_is_a_usage_error(adcli):
    run = adcli("grad", "x", "--points", "-", input="")
    assert run.exit_code == 2
    assert run.stderr == usage("grad", "--points: the file is empty; it needs a header row "
                                       "naming the inputs, e.g. 'x,y'")


def test_missing_program_is_a_usage_error(adcli):
    run = adcli("grad", "--at", "x=1")
    assert run.exit_code == 2
    assert run.stderr == usage("grad", 'missing PROGRAM: give it as an argument (adcli grad '
                                       '"x*x" --at x=1), with -f FILE, or as - to read '
                                       "standard input")


def test_an_unknown_format_is_a_usage_error(adcli):
    run = adcli("grad", "x", "--at", "x=1", "--format", "xml")
    assert run.exit_code == 2
    assert run.stderr.endswith("Error: Invalid value for '--format': 'xml' is not one of "
                               "'table', 'json', 'jsonl', 'csv', 'tsv', 'plain'.\n")


def test_a_shape_error_while_evaluating_exits_1_with_a_caret(adcli):
    run = adcli("grad", "x + [1, 2] + [1, 2, 3]", "--at", "x=1")
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == ("shape error at 1:1: '+': shapes (2,) and (3,) do not fit together\n"
                          "  x + [1, 2] + [1, 2, 3]\n  ^^^^^^^^^^^^^^^^^^^^^^\n")


def test_hessian_of_a_vector_program_is_a_usage_error(adcli):
    run = adcli("hessian", "[x, x]", "--at", "x=1")
    assert run.exit_code == 2
    assert run.stderr == ("usage error: hessian needs a scalar program, but its value has "
                          "shape (2,)\nhint: use `adcli jacobian` for vector-valued programs\n")


def test_hessian_and_tape_refuse_ranges(adcli):
    for command in ("hessian", "tape", "check"):
        run = adcli(command, "x", "--at", "x=0:1:2")
        assert run.exit_code == 2
        assert run.stderr == usage(command, "--at x=0:1:2: this command works at one point, "
                                            "not a range")


def test_a_failed_check_exits_1(adcli):
    run = adcli("check", "floor(x)", "--at", "x=1", "--format", "plain")
    assert run.exit_code == 1
    assert run.stdout == "0.0 1166.6666666666667\n"
    assert run.stderr == "check failed: automatic and numeric derivatives disagree\n"


def test_debug_prints_the_traceback_and_keeps_the_message_and_exit_code():
    from click.testing import CliRunner

    from adcli.cli.main import cli
    from adcli.cli.reporting import Settings

    def debug(*args: str):
        return CliRunner().invoke(cli, ["--debug", *args], prog_name="adcli")

    try:
        run = debug("grad", "x*", "--at", "x=1")
        assert run.exit_code == 2  # a syntax error, as without --debug (found by QA)
        assert "Traceback (most recent call last)" in run.stderr
        assert "AdcliSyntaxError" in run.stderr
        assert run.stderr.endswith("syntax error at 1:3: expected an expression after '*'\n"
                                   "  x*\n    ^\n")
        run = debug("grad", "x*y", "--at", "x=1")
        assert run.exit_code == 2
        assert "Traceback" in run.stderr
        assert "--at y=VALUE" in run.stderr  # the hint in the command line's words
    finally:
        Settings.debug = False


LONG_LOOP = "n = 0; while n < 2000: n += 1"


def test_iteration_limit_is_a_limit_error_that_names_the_option(adcli):
    run = adcli("--max-iterations", "1000", "eval", LONG_LOOP, "--format", "plain")
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        "limit error at 1:8: the program ran more than 1,000 loop iterations and calls",
        "  n = 0; while n < 2000: n += 1",
        "         ^^^^^^^^^^^^^^",
        "hint: if it is meant to run longer, raise the limit: adcli --max-iterations N "
        "(Python: Limits(max_iterations=N))",
    ]


def test_raised_iteration_limit_lets_a_long_loop_finish(adcli):
    run = adcli("--max-iterations", "3000", "eval", LONG_LOOP, "--format", "plain")
    assert (run.exit_code, run.stdout) == (0, "2000.0\n")


def test_element_and_depth_limits_are_options_too(adcli):
    big = adcli("--max-elements", "5", "eval", "ones(10)")
    assert big.exit_code == 1
    assert "a tensor of 10 elements is more than the limit of 5" in big.stderr
    deep = adcli("--max-depth", "10", "eval",
                 "def f(n): return 0 if n == 0 else f(n - 1)\nf(20)")
    assert deep.exit_code == 1
    assert "calls are nested more than 10 deep" in deep.stderr
    shallow = adcli("--max-depth", "30", "eval",
                    "def f(n): return 0 if n == 0 else f(n - 1)\nf(20)", "--format", "plain")
    assert (shallow.exit_code, shallow.stdout) == (0, "0.0\n")


def test_a_nan_tolerance_is_a_usage_error(adcli):
    run = adcli("check", "x*x", "--at", "x=1", "--tolerance", "nan")
    assert run.exit_code == 2
    assert "the tolerance must be a finite number, e.g. 1e-6" in run.stderr


def test_a_long_program_titles_its_table_with_its_first_line(adcli):
    program = "def f(x):\n    return x*x\n\nf(x) + 1\n"
    run = adcli("grad", program, "--at", "x=2", ascii=True)
    assert run.exit_code == 0
    assert run.table().splitlines()[0] == "def f(x): ... (3 lines)"


def test_a_long_source_line_is_shown_as_a_window_around_the_error(adcli):
    # Found by QA: a program of a million characters was echoed whole, with a million
    # spaces before its caret.
    program = "1 + " * 60 + "y + " + "2 + " * 60 + "3"
    run = adcli("eval", program)
    assert run.exit_code == 2
    message, line, caret, hint = run.stderr.splitlines()
    assert message == "usage error at 1:241: missing input 'y': the program reads it, but it " \
                      "has no value"
    assert line.startswith("  ... 1 + ") and line.endswith("...") and len(line) == 2 + 106
    assert line[caret.index("^")] == "y" and caret.strip() == "^"
    long = adcli("eval", "x" * 1_000_001)
    assert long.exit_code == 1 and len(long.stderr) < 500
    assert "the program has 1,000,001 characters; the limit is 1,000,000" in long.stderr
