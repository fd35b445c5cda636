"""`adcli repl`: the interactive session.

One command of the group in adcli.cli.main, imported when it runs; the session is
cli.repl's.
"""

from __future__ import annotations

import sys

import click

from adcli.cli.reporting import Settings


@click.command("repl")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "plain"]),
              default="table", show_default=True,
              help="How values print (change it in the session with :format).")
@click.option("--digits", type=click.IntRange(1, 17), default=12, show_default=True,
              help="Significant digits in tables.")
@click.option("--max-iterations", type=click.IntRange(1, None), default=None,
              help="Loop iterations and calls one input may run (default 1,000,000); "
                   "Ctrl-C stops a long one.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings.")
def repl_command(fmt: str, digits: int, max_iterations: int | None, quiet: bool) -> None:
    """An interactive session: variables, functions and the tape persist from line
    to line, so a later line can differentiate with respect to an earlier variable.
    Type :help inside for the commands. With standard input from a file or pipe it
    runs the statements without prompts, prints each value, and exits with 1 if any
    failed.

    \b
    Examples:
      adcli repl --format plain
      adcli repl --max-iterations 100000000
    (and in a script: adcli repl < session.ad)
    """
    from adcli.cli import repl

    Settings.interactive = True
    sys.exit(repl.main(fmt, digits, max_iterations, quiet))
