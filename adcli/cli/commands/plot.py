"""`adcli plot`: a program and its derivatives over one variable, drawn.

One command of the group in adcli.cli.main, imported when it runs; the drawing is
cli.plot's.
"""

from __future__ import annotations

import sys
from typing import IO

import click

from adcli.cli.options import ProgramCommand, program_options
from adcli.cli.render import title
from adcli.cli.reporting import handles_errors, print_error, warn


@click.command("plot", cls=ProgramCommand)
@program_options
@click.option("--over", "overs", multiple=True, metavar="NAME=START:STOP[:COUNT]",
              help="The variable and its range, e.g. --over x=-3:3 (COUNT points, default "
                   "--samples).")
@click.option("--at", "ats", multiple=True, metavar="NAME=START:STOP[:COUNT]",
              help="The same as --over, in the range syntax of grad's --at, e.g. "
                   "--at x=-3:3 or --at x=-3:3:101.")
@click.option("--order", type=click.IntRange(0, None), default=1, show_default=True,
              help="Draw f and its derivatives up to this order.")
@click.option("--samples", type=click.IntRange(2, 1_000_000), default=400, show_default=True,
              help="Points along the range.")
@click.option("--ylim", metavar="LOW:HIGH",
              help="The y-range (default: fitted to the curves, ignoring spikes at poles).")
@click.option("--save", metavar="FILE.png|FILE.svg",
              help="Write an image instead of drawing in the terminal (needs matplotlib: "
                   "pip install 'adcli[plot]').")
@click.option("--color/--no-color", "color", default=None,
              help="Colour the curves (default: when standard output is a terminal and "
                   "NO_COLOR is unset); without colour each curve has its own marker.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings.")
@handles_errors
def plot_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                 of: str | None, overs: tuple[str, ...], ats: tuple[str, ...], order: int,
                 samples: int, ylim: str | None, save: str | None, color: bool | None,
                 quiet: bool) -> None:
    """Plot PROGRAM and its derivatives up to --order over one variable, in the
    terminal (sized to it; COLUMNS and LINES override) or into a PNG or SVG file.

    The variable's range is --over or --at NAME=START:STOP[:COUNT]. Curves break
    where a value is not finite or jumps across a pole, and the y-range ignores the
    spikes next to a pole; --ylim sets it. The legend is a line under the plot.

    \b
    Examples:
      adcli plot "sin(x)" --over x=-3:3 --order 2
      adcli plot "tan(x)" --at x=-3:3
      adcli plot "tan(x)" --over x=-3:3 --ylim -10:10
      adcli plot "a*x^3 - x" --over x=-2:2:101 --let a=0.5
    """
    import os

    from adcli import plotting
    from adcli.cli import inputs
    from adcli.cli import plot as draw

    text = inputs.read_program(program, file)
    constants, variable, grid = inputs.parse_over(overs, samples, lets, ats)
    limits = inputs.parse_limits("--ylim", ylim) if ylim is not None else None
    from adcli.api import MissingInputError

    try:
        prepared = plotting.curves(text, variable, grid, order, constants, of, limits)
    except MissingInputError as error:
        # A plot has one variable (--over): every other name is a constant.
        error.settings = tuple(s for s in error.settings if s.parameter != "at")
        raise
    warn(prepared.warnings, quiet)
    if save is not None:
        draw.save(prepared, title(text), save)
        if not quiet:
            print_error(f"saved {save}")
        return
    from adcli.cli.tables import unicode_ok

    if color is None:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    click.echo(draw.terminal(prepared, title(text), draw.terminal_size(), color,
                             unicode_ok()).rstrip("\n"), color=color)
