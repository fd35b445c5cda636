"""`adcli jacobian`: the Jacobian of a vector-valued program, in one pass.

One command of the group in adcli.cli.main, imported when it runs.
"""

from __future__ import annotations

from typing import IO

import click

from adcli.cli.options import (
    ProgramCommand,
    derivative_options,
    jobs_option,
    output_options,
    point_options,
    program_options,
)
from adcli.cli.points import emit, run_points
from adcli.cli.reporting import handles_errors

MODE_HELP = ("How the Jacobian is computed, in one pass with a batch of seeds: forward "
             "mode (a seed per input entry), reverse mode (a seed per value entry), or auto: "
             "forward when the inputs have no more entries than the value.")


@click.command("jacobian", cls=ProgramCommand)
@program_options
@point_options
@derivative_options
@click.option("--mode", type=click.Choice(["auto", "forward", "reverse"]), default="auto",
              show_default=True, help=MODE_HELP)
@jobs_option
@output_options
@handles_errors
def jacobian_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                     of: str | None, ats: tuple[str, ...], points: IO[str] | None,
                     wrt: str | None, unconnected: str, mode: str, jobs: int, fmt: str,
                     digits: int, quiet: bool) -> None:
    """The value of a (vector-valued) PROGRAM and its Jacobian for each --wrt variable.

    The Jacobian with respect to x has shape value.shape + x.shape: row i holds
    the gradient of entry i. It is computed in one pass, in forward or reverse mode
    (--mode); the caption and JSON say which.

    \b
    Examples:
      adcli jacobian "[x*y, x + y, sin(x)]" --at x=1 --at y=2
      adcli jacobian "x * x" --at "x=[1, 2, 3]" --mode reverse
    """
    from adcli.cli import inputs

    text = inputs.read_program(program, file, points)
    source, compute = run_points(text, ats, points, lets, of, wrt, 1, unconnected, mode=mode,
                                  jacobian=True)
    names = inputs.parse_wrt(wrt) or source.order
    emit(source, compute, text, fmt, digits, quiet, partial=len(names) > 1, jobs=jobs,
          jacobian=True)
