"""The REPL answers Python habits with what works in it: `x = tf.Variable(3.0)` points
to `x = 3.0` and `:grad` (or the Python API, in a Python program), `print(x)` says that
a line's value is printed, `import` says none is needed; and usage errors of the
`:commands` say "usage" once."""

from __future__ import annotations

from click.testing import CliRunner

from adcli.cli.main import cli


def repl(text: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["repl", *args], input=text, prog_name="adcli",
                                env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def hints(err: str) -> list[str]:
    return [line.removeprefix("hint: ") for line in err.splitlines() if line.startswith("hint: ")]


def test_tf_variable_points_to_an_assignment_and_grad_which_then_work():
    code, out, err = repl("x = tf.Variable(3.0)\n", "--format", "plain")
    assert code == 1 and out == ""
    assert err.splitlines()[1:3] == ["  x = tf.Variable(3.0)", "      ^^^^^^^^^^^"]
    assert hints(err) == [
        "tf.Variable is the Python API's (import adcli as tf, in a Python program); in the "
        "REPL a number assigned is already a variable to differentiate: write x = 3.0, then "
        "grad(f, x) or :grad f wrt x"]
    # What the hint says works.
    code, out, err = repl("x = 3.0\ngrad(x*x, x)\n:grad x*x wrt x\n", "--format", "plain")
    assert (code, out, err) == (0, "6.0\n9.0\n6.0\n", "")


def test_tf_constant_and_gradient_tape_get_the_same_hint_with_the_name_used():
    _, _, err = repl("w = tf.constant([1, 2])\nt = tf.GradientTape()\n")
    assert hints(err) == [
        "tf.constant is the Python API's (import adcli as tf, in a Python program); in the "
        "REPL a number assigned is already a variable to differentiate: write w = [1, 2], "
        "then grad(f, w) or :grad f wrt w",
        "tf.GradientTape is the Python API's (import adcli as tf, in a Python program); in "
        "the REPL a number assigned is already a variable to differentiate: write x = 3.0, "
        "then grad(f, x) or :grad f wrt x"]


def test_a_module_prefix_on_a_builtin_or_on_an_unknown_name():
    # tf.sin keeps the parser's own hint (sin is a builtin); np.foo is no builtin.
    _, _, err = repl("y = tf.sin(1)\n")
    assert not any("Python" in hint for hint in hints(err))
    _, _, err = repl("z = np.foo(1)\n")
    assert hints(err) == [
        "np.foo is Python; the REPL speaks the adcli language, whose functions are built in "
        "(Tab completes them)"]


def test_print_says_that_a_lines_value_is_printed():
    code, out, err = repl("x = 3\nprint(x)\nprint(x * 2)\nx * 2\n", "--format", "plain")
    assert (code, out) == (1, "6.0\n")
    assert hints(err) == ["a line's value is printed: type x instead of print(x)",
                          "a line's value is printed: type x * 2 instead of print(x * 2)"]


def test_import_says_the_language_needs_none():
    _, _, err = repl("import adcli as tf\n")
    assert hints(err) == [
        "the REPL speaks the adcli language, which needs no import: its functions are built "
        "in; import adcli as tf is for a Python program (the Python API)"]


def test_command_usage_errors_say_usage_once():
    code, _, err = repl(":grad z\n:load\n")
    assert code == 1
    assert err == (
        "usage error: :grad needs an expression and the variables: "
        ":grad EXPR wrt x[,y] [order N]\n"
        "hint: for example  :grad z wrt x,y order 2\n"
        "usage error: :load needs a file: :load FILE\n")
    assert err.count("usage") == 2


def test_help_tells_the_habits_apart():
    _, out, _ = repl(":help\n")
    assert "(type x, not print(x))" in out
    assert "x = 3.0, not\ntf.Variable(3.0)" in out
