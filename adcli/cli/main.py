"""The `adcli` command: a thin click layer over adcli.api.

One responsibility: the group. Its options set the limits and --debug for every
command; each command lives in its own module of adcli.cli.commands, imported
when the command runs (or help lists it), so that a call builds the options of
one command, not of ten. A command reads its program and points (cli.inputs),
calls the API, and writes a rich table (cli.tables, imported only then) or
JSON/CSV/TSV/plain text (cli.render); the point commands share cli.points, and
every command reports failures through cli.reporting. No numerics happen here.
Errors from the library become one message on standard error with the exit code
of its kind: 0 success, 1 evaluation error or failed check, 2 usage or syntax.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from adcli import __version__
from adcli.cli.reporting import Settings, print_error

# The commands: `adcli NAME` is NAME_command in the module adcli.cli.commands.NAME.
COMMANDS = ("check", "diff", "eval", "grad", "hessian", "jacobian", "plot", "repl", "tape",
            "taylor")


class CommandGroup(click.Group):
    """The adcli group: a command is made from its module when it is first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            import difflib

            close = difflib.get_close_matches(name, COMMANDS, n=1, cutoff=0.6)
            if close:
                ctx.fail(f"No such command '{name}'. Did you mean '{close[0]}'?")
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"adcli.cli.commands.{cmd_name}")
        return getattr(module, f"{cmd_name}_command")


@click.group(cls=CommandGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="adcli")
@click.option("--debug", is_flag=True, help="Show a Python traceback when something fails.")
@click.option("--max-iterations", type=click.IntRange(1, None), metavar="N",
              help="Loop iterations and calls a program may run, in all (default 1000000).")
@click.option("--max-elements", type=click.IntRange(1, None), metavar="N",
              help="Entries one tensor may have (default 10000000).")
@click.option("--max-depth", type=click.IntRange(1, 100_000), metavar="N",
              help="How deeply calls may nest (default 200, at most 100000).")
@click.option("--max-partials", type=click.IntRange(1, None), metavar="N",
              help="Distinct partial derivatives one request may ask for (default 1000).")
@click.option("--max-tape-operations", type=click.IntRange(1, None), metavar="N",
              help="Operations the tape may record for high orders, estimated before it "
                   "starts (default 1000000).")
@click.option("--max-memory", type=click.IntRange(1, None), metavar="MIB",
              help="Resident memory the process may reach by an operation of a million "
                   "entries or more (default 2048).")
@click.option("--time-limit", type=click.FloatRange(0, 1e9, min_open=True),
              metavar="SECONDS",
              help="Stop the command (a REPL input) after SECONDS with a limit error "
                   "(default: no limit).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, max_iterations: int | None, max_elements: int | None,
        max_depth: int | None, max_partials: int | None, max_tape_operations: int | None,
        max_memory: int | None, time_limit: float | None) -> None:
    """adcli: values and exact derivatives of math expressions and small programs.

    \b
    Examples:
      adcli grad "x*x*x" --at x=1 --order 2
      adcli diff "x^2*sin(x)"
      adcli eval "sin(pi/4)^2"
      adcli grad "x*y + sin(x)" --at x=1 --at y=2 --order 2 --format json
      adcli check "exp(x)/x" --at x=2 --order 3
      adcli --max-iterations 10000000 eval -f long_loop.ad
      adcli --time-limit 5 grad -f model.ad --at x=0.5
    """
    Settings.debug = debug
    if time_limit is not None and time_limit != time_limit:
        raise click.BadParameter("nan is not a number of seconds", param_hint="'--time-limit'")
    given = {"max_iterations": max_iterations, "max_tensor_elements": max_elements,
             "max_call_depth": max_depth, "max_partials": max_partials,
             "max_tape_operations": max_tape_operations, "max_memory_mb": max_memory,
             "time_seconds": time_limit}
    if any(v is not None for v in given.values()):
        from adcli.lang import default_limits, set_default_limits
        from adcli.records import replace

        set_default_limits(replace(default_limits(),
                                   **{k: v for k, v in given.items() if v is not None}))
    if ctx.invoked_subcommand is None:
        # Bare `adcli` at a terminal is the REPL; in a script or pipe it stays help.
        if sys.stdin.isatty():
            ctx.invoke(cli.get_command(ctx, "repl"))
        click.echo(ctx.get_help())


def main() -> None:
    """The console-script entry point.

    After a one-shot command the process ends with os._exit once its output is
    flushed: tearing down the interpreter (numpy's modules and every other object)
    costs about 14 ms, a tenth of a whole call, and nothing is left to clean up.
    Nothing adcli writes is left open (the caches are written with `with`), and
    the REPL, which owns a terminal, exits the ordinary way."""
    import warnings

    # adcli reports every nan and inf in its own words; numpy's floating-point
    # RuntimeWarnings (with a file and line of adcli's) are not for its users.
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    try:
        cli(prog_name="adcli")
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if isinstance(stop.code, str):
            print_error(stop.code)
    if Settings.interactive:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        # The reader went away (`adcli ... | head`): as Python does, exit quietly.
        code = code or 1
    os._exit(code)
