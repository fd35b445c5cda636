"""`adcli check`: automatic derivatives against finite differences.

One command of the group in adcli.cli.main, imported when it runs.
"""

from __future__ import annotations

import sys
from typing import IO

import click

from adcli.cli.options import ProgramCommand, output_options, program_options
from adcli.cli.render import title, write_structured
from adcli.cli.reporting import handles_errors, print_error, warn


@click.command("check", cls=ProgramCommand)
@program_options
@click.option("--at", "ats", multiple=True, metavar="NAME=VALUE", help="A watched input.")
@click.option("--wrt", metavar="A,B", help="The inputs (default: every --at input).")
@click.option("--order", type=click.IntRange(1, None), default=1, show_default=True,
              help="Highest derivative order to check.")
@click.option("--tolerance", type=click.FloatRange(min=0), default=1e-6, show_default=True,
              callback=lambda ctx, param, value: _finite_tolerance(value),
              help="Largest accepted relative difference.")
@output_options
@handles_errors
def check_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                  of: str | None, ats: tuple[str, ...], wrt: str | None, order: int,
                  tolerance: float, fmt: str, digits: int, quiet: bool) -> None:
    """Compare the automatic derivatives of PROGRAM with finite differences.

    Each order-k derivative is compared with the central difference, with
    Richardson extrapolation, of the automatic order-(k-1) derivative (order 1:
    of the value). Exits with code 1 when any pair differs beyond --tolerance.

    \b
    Examples:
      adcli check "exp(x)/x" --at x=2 --order 3
      adcli check "x*y^2" --at x=1 --at y=2 --order 2
    """
    from adcli import api
    from adcli.cli import inputs, render

    text = inputs.read_program(program, file)
    constants = inputs.parse_constants(lets)
    source = inputs.parse_points(ats, None, constants, allow_ranges=False)
    result, rows = api.check(api.parse_program(text), source.fixed, inputs.parse_wrt(wrt),
                             order, constants, of, tolerance)
    warn(result.warnings, quiet)
    ok = all(row.ok for row in rows)
    if fmt == "table":
        from adcli.cli import tables

        tables.console().print(tables.check_table(rows, title(text), digits, tolerance))
    else:
        checks = [{"wrt": list(r.wrt), "order": r.order,
                   "automatic": None if r.automatic is None else render.json_value(r.automatic),
                   "numeric": render.json_value(r.numeric),
                   "relative_difference": render.number(r.relative_error), "ok": r.ok}
                  for r in rows]
        obj = {"inputs": {k: render.json_value(v) for k, v in result.inputs.items()},
               "value": render.json_value(result.value), "checks": checks, "ok": ok}
        lines = [["derivative", "order", "automatic", "numeric", "relative_difference", "ok"]]
        lines += [[render.label(r.wrt), str(r.order), render.plain_line(r.automatic),
                   render.plain_line(r.numeric), repr(r.relative_error),
                   "true" if r.ok else "false"] for r in rows]
        write_structured(obj, lines, fmt, [[render.plain_line(r.automatic),
                                             render.plain_line(r.numeric)] for r in rows])
    if not ok:
        print_error("check failed: automatic and numeric derivatives disagree")
        sys.exit(1)


def _finite_tolerance(value: float) -> float:
    # FloatRange lets nan through (every comparison with nan is false).
    if value != value or value == float("inf"):
        raise click.BadParameter("the tolerance must be a finite number, e.g. 1e-6",
                                 param_hint="'--tolerance'")
    return value
