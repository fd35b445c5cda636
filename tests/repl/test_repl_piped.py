"""`adcli repl` with standard input from a pipe: statements run without prompts,
values print, errors print with a caret while the session goes on, and the exit
code is 1 if any input failed. Runs in-process through CliRunner, plus one real
process of the installed script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from adcli.cli.main import cli

SEEDS = "x = ones(2, 2)\ny = sum(x)\nz = y * y\n"


def repl(text: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["repl", *args], input=text, prog_name="adcli",
                                env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert "Traceback" not in result.stdout + result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def lines(text: str) -> str:
    """Output without the spaces rich pads table lines with."""
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def test_the_seeds_session_replays_line_by_line():
    code, out, err = repl(SEEDS + "z\ngrad(z, x)\ngrad(z, y)\n")
    assert (code, err) == (0, "")
    assert out == (
        "16\n"
        "┌───┬───┐\n"
        "│ 8 │ 8 │\n"
        "│ 8 │ 8 │\n"
        "└───┴───┘\n"
        "shape (2, 2)\n"
        "8\n"
    )


def test_the_seeds_session_in_plain_and_json():
    session = SEEDS + "z\ngrad(z, x)\ngrad(z, y)\n"
    assert repl(session, "--format", "plain") == (0, "16.0\n8.0 8.0 8.0 8.0\n8.0\n", "")
    assert repl(session, "--format", "json") == (0, "16.0\n[[8.0, 8.0], [8.0, 8.0]]\n8.0\n", "")


def test_format_command_switches_how_values_print():
    code, out, _ = repl(SEEDS + ":format json\ngrad(z, x)\n:format plain\ngrad(z, x)\n"
                        ":format\n")
    assert code == 0
    assert out == "[[8.0, 8.0], [8.0, 8.0]]\n8.0 8.0 8.0 8.0\nvalues print as plain " \
                  "(one of table, json, plain)\n"


def test_a_scripted_session_with_blocks_an_error_and_more_input():
    script = (
        "a = 2\n"
        "def cube(t):\n"
        "    out = 1\n"
        "    for i in range(3):\n"
        "        out = out * t\n"
        "    return out\n"
        "\n"
        "total = 0\n"
        "for k in range(4):\n"
        "    if k % 2 == 0:\n"
        "        total = total + k\n"
        "    else:\n"
        "        total = total - 1\n"
        "total\n"
        "b = a * nope\n"
        "cube(a)\n"
        "grad(cube(a), a)\n"
    )
    code, out, err = repl(script, "--format", "plain")
    assert code == 1
    assert out == "0.0\n8.0\n12.0\n"
    assert err == (
        "name error at 1:9: unknown name 'nope'\n"
        "  b = a * nope\n"
        "          ^^^^\n"
    )


def test_a_failed_input_leaves_every_earlier_variable_as_it_was():
    # `a = 5` runs before the failure in the same input: it must be undone too.
    code, out, err = repl("a = 1\na = 5; c = [1, 2] + [1, 2, 3]\na\nc\n", "--format", "plain")
    assert code == 1
    assert out == "1.0\n"
    assert err.splitlines()[0] == "shape error at 1:12: '+': shapes (2,) and (3,) do not fit " \
                                  "together"
    assert err.splitlines()[-3:] == ["name error at 1:1: unknown name 'c'",
                                     "  c", "  ^"]


def test_an_error_in_a_function_shows_the_line_that_defined_it():
    code, _, err = repl("def f(t):\n    return t + nope\n\nf(1)\n")
    assert code == 1
    assert err == (
        "name error at 2:16: unknown name 'nope'\n"
        "      return t + nope\n"
        "                 ^^^^\n"
    )


def test_syntax_errors_and_unknown_commands_fail_but_the_session_goes_on():
    code, out, err = repl("x = (1 +\n)\n:bogus\n2 * 3\n", "--format", "plain")
    assert code == 1
    assert out == "6.0\n"
    assert err.startswith("syntax error at ")
    assert "usage error: unknown command ':bogus'\n" in err


def test_vars_lists_name_shape_and_value():
    code, out, _ = repl(SEEDS + "def sq(t):\n    return t * t\n\n:vars\n")
    assert code == 0
    assert lines(out) == (
        "variables\n"
        "╭──────┬──────────┬───────────╮\n"
        "│ name │ shape    │     value │\n"
        "├──────┼──────────┼───────────┤\n"
        "│ x    │ (2, 2)   │ ┌───┬───┐ │\n"
        "│      │          │ │ 1 │ 1 │ │\n"
        "│      │          │ │ 1 │ 1 │ │\n"
        "│      │          │ └───┴───┘ │\n"
        "│ y    │ ()       │         4 │\n"
        "│ z    │ ()       │        16 │\n"
        "│ sq   │ function │     sq(t) │\n"
        "╰──────┴──────────┴───────────╯\n"
    )
    assert repl(SEEDS + ":vars\n", "--format", "json")[1] == \
        '{"x": [[1.0, 1.0], [1.0, 1.0]], "y": 4.0, "z": 16.0}\n'
    assert repl(":vars\n")[1] == "no variables yet\n"


def test_grad_command_differentiates_on_the_session_tape():
    code, out, _ = repl(SEEDS + ":grad z wrt x,y\n", "--format", "plain")
    assert (code, out) == (0, "16.0\n8.0 8.0 8.0 8.0\n8.0\n")
    code, out, _ = repl(SEEDS + ":grad y * z wrt y order 3\n", "--format", "json")
    assert (code, out) == (0, '{"value": 64.0, "derivatives": ['
                              '{"wrt": ["y"], "order": 1, "value": 48.0}, '
                              '{"wrt": ["y", "y"], "order": 2, "value": 24.0}, '
                              '{"wrt": ["y", "y", "y"], "order": 3, "value": 6.0}], '
                              '"warnings": []}\n')


def test_grad_command_as_a_table_and_its_usage_errors():
    code, out, _ = repl(SEEDS + ":grad z wrt y order 2\n")
    assert code == 0
    assert lines(out) == (
        "z\n"
        "╭─────────┬───────╮\n"
        "│         │ value │\n"
        "├─────────┼───────┤\n"
        "│ f       │    16 │\n"
        "│ df/dy   │     8 │\n"
        "│ d²f/dy² │     2 │\n"
        "╰─────────┴───────╯\n"
        "   engine: tape\n"
    )
    code, _, err = repl(SEEDS + ":grad z\n:grad z wrt q\n")
    assert code == 1
    assert err == (
        "usage error: :grad needs an expression and the variables: "
        ":grad EXPR wrt x[,y] [order N]\n"
        "hint: for example  :grad z wrt x,y order 2\n"
        "usage error: the session has no variable 'q'\n"
        "hint: its variables: x, y, z\n"
    )


def test_tape_shows_the_last_input_with_adjoints():
    code, out, _ = repl(SEEDS + ":grad z wrt x\n:tape\n")
    assert code == 0
    table = lines(out).split("engine: tape\n")[1]
    assert table == (
        "z = y * y\n"
        "╭────┬──────────────┬──────────┬────────┬───────────┬──────╮\n"
        "│  # │ operation    │ inputs   │  value │   adjoint │ name │\n"
        "├────┼──────────────┼──────────┼────────┼───────────┼──────┤\n"
        "│  0 │ input        │          │      4 │         8 │ y    │\n"
        "│  1 │ square       │ #0       │     16 │         1 │ z    │\n"
        "╰────┴──────────────┴──────────┴────────┴───────────┴──────╯\n"
        "adjoint: the gradient of the result with respect to that row\n"
    )
    code, out, _ = repl("x = ones(2, 2)\ny = sum(x)\n:format json\n:tape\n")
    assert out == ('[{"index": 0, "operation": "input", "inputs": [], '
                   '"value": [[1.0, 1.0], [1.0, 1.0]], "adjoint": [[1.0, 1.0], [1.0, 1.0]], '
                   '"name": "x"}, {"index": 1, "operation": "reduce_sum", '
                   '"inputs": ["#0", "keepdims=False"], '
                   '"value": 4.0, "adjoint": 1.0, "name": "y"}]\n')
    assert repl(":tape\n")[1] == "no input has run yet\n"


def test_load_runs_a_file_into_the_session(tmp_path: Path):
    program = tmp_path / "prog.ad"
    program.write_text("def f(t):\n    return t * t * t\nw = f(2)\n")
    code, out, err = repl(f":load {program}\nw\ngrad(f(w), w)\n:load {tmp_path}/none.ad\n",
                          "--format", "plain")
    assert (code, out) == (1, "8.0\n192.0\n")
    assert err.startswith(f"usage error: cannot read {tmp_path}/none.ad: ")


def test_reset_forgets_and_quit_stops_reading():
    code, out, err = repl("a = 3\n:reset\n:quit\na\n", "--format", "plain")
    assert (code, out, err) == (0, "the session is empty\n", "")
    code, _, err = repl("a = 3\n:reset\na\n")
    assert code == 1
    assert err.startswith("name error at 1:1: unknown name 'a'")


def test_help_lists_every_command():
    code, out, _ = repl(":help\n")
    assert code == 0
    for command in (":help", ":vars", ":tape", ":grad", ":format", ":load", ":reset", ":quit"):
        assert f"\n  {command} " in out


def test_a_block_may_end_at_the_next_line_on_the_margin_or_at_the_end():
    # Piped files need no blank line after a block; the last block ends at EOF.
    code, out, _ = repl("s = 0\nfor i in range(3):\n    s = s + i\ns\nwhile s < 10:\n"
                        "    s = s * 2", "--format", "plain")
    assert (code, out) == (0, "3.0\n")
    assert repl("s\n", "--format", "plain")[0] == 1
    code, out, _ = repl("v = [1,\n     2]\nv * 2\n", "--format", "plain")
    assert (code, out) == (0, "2.0 4.0\n")


def test_bare_adcli_off_a_terminal_still_prints_help():
    result = CliRunner().invoke(cli, [], input="x = 1\n", prog_name="adcli")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: adcli [OPTIONS] [COMMAND]")


def test_the_installed_script_reads_a_session_file(tmp_path: Path):
    adcli = Path(sys.executable).parent / "adcli"
    session = tmp_path / "session.ad"
    session.write_text(SEEDS + "z\ngrad(z, x)\ngrad(z, y)\n")
    with session.open() as stdin:
        run = subprocess.run([str(adcli), "repl", "--format", "plain"], stdin=stdin,
                             capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (0, "16.0\n8.0 8.0 8.0 8.0\n8.0\n", "")
    run = subprocess.run([str(adcli), "repl"], input="q = [1, 2] + [1, 2, 3]\nq\n",
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.count(" error at ") == 2


def test_grad_in_the_repl_is_refused_over_the_limits_as_the_command_is():
    # Found by QA: `:grad ... order 100000` ran for good, order 2000 printed 2000 rows.
    code, out, err = repl("x = 1\n:grad x wrt x order 100000\n:grad x*x wrt x order 2000\n"
                          ":grad x*x*x wrt x order 3\n", "--format", "plain")
    assert code == 1
    assert out == "1.0\n3.0\n6.0\n6.0\n"  # the last request, within the limits, still runs
    assert err.count("limit error: the request asks for") == 2
    assert "100,000 distinct partial derivatives" in err and "2,000 distinct" in err
    assert "--max-partials N" in err


def test_grad_in_the_repl_counts_the_operations_of_the_nested_passes():
    program = "y = x\nfor i in range(300):\n    y = y * x + sin(y)\n"
    code, out, err = repl(f"x = 0.5\n{program}:grad y wrt x order 9\n")
    assert code == 1
    assert "limit error" in err and "operations" in err
