"""`adcli eval`: the value of a program at points.

One command of the group in adcli.cli.main, imported when it runs.
"""

from __future__ import annotations

from typing import IO

import click

from adcli.cli.options import (
    ProgramCommand,
    jobs_option,
    output_options,
    point_options,
    precision_option,
    program_options,
)
from adcli.cli.points import emit, run_points
from adcli.cli.reporting import handles_errors


@click.command("eval", cls=ProgramCommand)
@program_options
@point_options
@precision_option
@jobs_option
@output_options
@handles_errors
def eval_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                 of: str | None, ats: tuple[str, ...], points: IO[str] | None,
                 precision: int | None, jobs: int, fmt: str, digits: int,
                 quiet: bool) -> None:
    """Evaluate PROGRAM and print its value.

    \b
    Examples:
      adcli eval "sin(pi/4)^2"
      adcli eval "x^2 + 1" --at x=0:1:5 --format csv
      adcli eval "out = 1; for i in range(n): out = out * 2" --let n=10
      adcli eval "exp(1)" --precision 40
    """
    from adcli.cli import inputs

    text = inputs.read_program(program, file, points)
    source, compute = run_points(text, ats, points, lets, of, None, 0, "none",
                                  precision=precision)
    emit(source, compute, text, fmt, digits, quiet, partial=False, jobs=jobs)
