"""Help, version and the installed console script: every command documents itself
with examples that really run, `adcli` alone prints help, and the `adcli` script
next to the interpreter works as a whole process."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from adcli import __version__
from adcli.cli.main import cli

COMMANDS = cli.list_commands(click.Context(cli))


def examples(help_text: str) -> list[str]:
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Examples:")
    found = []
    for line in lines[start + 1:]:
        if not line.strip().startswith("adcli "):
            break
        found.append(line.strip())
    return found


def test_the_commands_are_the_documented_ones():
    assert COMMANDS == ["check", "diff", "eval", "grad", "hessian", "jacobian", "plot", "repl",
                        "tape", "taylor"]
    context = click.Context(cli)
    assert all(cli.get_command(context, name).name == name for name in COMMANDS)
    assert cli.get_command(context, "gradient") is None


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples_of_itself(adcli, command):
    run = adcli(command, "--help")
    assert run.exit_code == 0
    assert run.stdout.startswith(f"Usage: adcli {command} [OPTIONS]")
    found = examples(run.stdout)
    assert found, f"`adcli {command} --help` shows no examples"
    assert all(example.startswith(f"adcli {command} ") for example in found)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_example_runs(adcli, command):
    for example in examples(adcli(command, "--help").stdout):
        run = adcli(*shlex.split(example)[1:], "-q")
        assert run.exit_code == 0, (example, run.stderr)


def test_version(adcli):
    run = adcli("--version")
    assert (run.exit_code, run.stdout) == (0, f"adcli, version {__version__}\n")
    assert adcli("-V").stdout == run.stdout


def test_no_arguments_prints_help_with_every_command(adcli):
    run = adcli()
    assert run.exit_code == 0
    assert run.stdout.startswith("Usage: adcli [OPTIONS] [COMMAND] [ARGS]...")
    assert 'adcli grad "x*x*x" --at x=1 --order 2' in run.stdout
    assert all(f"  {command} " in run.stdout for command in COMMANDS)
    assert run.stdout == adcli("--help").stdout


def installed_adcli() -> Path:
    script = Path(sys.executable).with_name("adcli")
    assert script.exists(), f"no console script next to {sys.executable}"
    return script


def test_the_installed_console_script_runs_the_main_job(tmp_path):
    done = subprocess.run([str(installed_adcli()), "grad", "x*x*x", "--at", "x=1",
                           "--order", "2", "--format", "plain"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "1.0\n3.0\n6.0\n", "")


def test_the_installed_console_script_prints_a_table_off_a_terminal(tmp_path):
    done = subprocess.run([str(installed_adcli()), "grad", "x*x*x", "--at", "x=1",
                           "--order", "2"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "100",
                               "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0
    assert "\x1b[" not in done.stdout
    assert [line.rstrip() for line in done.stdout.splitlines()] == [
        "x*x*x",
        "╭───────────┬────────╮",
        "│           │  value │",
        "├───────────┼────────┤",
        "│ f         │      1 │",
        "│ df/dx     │      3 │",
        "│ d²f/dx²   │      6 │",
        "╰───────────┴────────╯",
        "at x = 1; engine: tape"]


def test_the_installed_console_script_exits_2_on_a_syntax_error(tmp_path):
    done = subprocess.run([str(installed_adcli()), "eval", "1 +"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("syntax error at 1:")
    assert "Traceback" not in done.stderr


def test_output_cut_short_by_the_reader_is_not_an_error_message(tmp_path):
    # `adcli ... | head -1`: the reader closes the pipe; adcli stops quietly.
    import subprocess
    import sys
    from pathlib import Path

    adcli = str(Path(sys.executable).with_name("adcli"))
    done = subprocess.run(
        ["bash", "-c", f"'{adcli}' grad 'x*x' --at x=0:1:200000 --format csv | head -1"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.stdout == "x,f,df/dx\n"
    assert done.stderr == ""


@pytest.mark.parametrize(("typo", "meant"), [("gradd", "grad"), ("tapes", "tape"),
                                             ("jacobain", "jacobian")])
def test_a_mistyped_command_is_a_usage_error_that_names_the_command_meant(adcli, typo, meant):
    run = adcli(typo, "x", "--at", "x=1")
    assert run.exit_code == 2
    assert f"No such command '{typo}'. Did you mean '{meant}'?" in run.stderr


def test_an_unknown_command_far_from_any_is_a_usage_error(adcli):
    run = adcli("xyzzy")
    assert run.exit_code == 2 and "No such command 'xyzzy'." in run.stderr
    assert "Did you mean" not in run.stderr


@pytest.mark.parametrize(("command", "example"), [
    ("eval", 'adcli eval "x*x" --at x=1'), ("grad", 'adcli grad "x*x" --at x=1'),
    ("diff", 'adcli diff "x*x"'), ("plot", 'adcli plot "x*x" --over x=-1:1')])
def test_a_missing_program_is_shown_with_the_command_itself(adcli, command, example):
    run = adcli(command)
    assert run.exit_code == 2
    assert f"missing PROGRAM: give it as an argument ({example})" in run.stderr
