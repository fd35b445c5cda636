"""`adcli taylor`: the Taylor polynomial of a program at a point.

One command of the group in adcli.cli.main, imported when it runs.
"""

from __future__ import annotations

import sys
from typing import IO, Any

import click

from adcli.cli.options import (
    ProgramCommand,
    dir_texts,
    directions,
    exact_texts,
    let_texts,
    output_options,
    precision_option,
    program_options,
)
from adcli.cli.render import title, write_structured
from adcli.cli.reporting import handles_errors, warn


@click.command("taylor", cls=ProgramCommand)
@program_options
@click.option("--at", "ats", multiple=True, metavar="NAME=VALUE",
              help="The point (repeatable), e.g. --at x=0.5.")
@click.option("--order", type=click.IntRange(0, None), default=6, show_default=True,
              help="The highest power of the polynomial.")
@click.option("--dir", "dirs", multiple=True, metavar="NAME=VALUE",
              help="The direction v (repeatable; needed with several inputs): the series "
                   "of t -> f(a + t v).")
@precision_option
@click.option("--exact", is_flag=True,
              help="Exact coefficients (1/6, not 0.16666666666666666), from the program's "
                   "formula (SymPy); the polynomial alone in the table format.")
@output_options
@handles_errors
def taylor_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                   of: str | None, ats: tuple[str, ...], order: int, dirs: tuple[str, ...],
                   precision: int | None, exact: bool, fmt: str, digits: int,
                   quiet: bool) -> None:
    """The Taylor polynomial of PROGRAM at a point: each coefficient f^(k)(a)/k! and
    derivative f^(k)(a), k = 0..--order, and the polynomial written out.

    \b
    Examples:
      adcli taylor "exp(x)" --at x=0 --order 5
      adcli taylor "exp(x)" --at x=0 --order 4 --exact
      adcli taylor "sin(x)*exp(x)/(1+x*x)" --at x=0.5 --order 40 --precision 30
      adcli taylor "x*y + y*y" --at x=1 --at y=2 --dir x=1 --dir y=0.5 --order 3
    """
    from adcli import api
    from adcli.cli import inputs, render

    text = inputs.read_program(program, file)
    constants = inputs.parse_constants(lets)
    source = inputs.parse_points(ats, None, constants, allow_ranges=False)
    if exact:
        if precision is not None:
            raise inputs.InputError("--exact computes exact numbers: give --exact or "
                                    "--precision, not both")
        _exact_taylor(text, exact_texts(ats, source), order, dir_texts(dirs),
                      let_texts(lets), of, fmt)
        return
    at: dict[str, Any] = dict(source.fixed)
    let: dict[str, Any] = constants
    if precision is not None:
        at.update(exact_texts(ats, source))
        let = let_texts(lets)
    result = api.taylor(api.parse_program(text), at, order, directions(dirs, constants),
                        precision, let, of)
    warn(result.warnings, quiet)
    polynomial = render.polynomial(result)
    if fmt == "table":
        from adcli.cli import tables

        console = tables.console()
        console.print(tables.taylor_table(result, title(text), digits))
        if polynomial is not None:
            # The polynomial on its own line, every digit, wrapped only by the terminal.
            sys.stdout.write(("f ≈ " if tables.unicode_ok() else "f ~ ") + polynomial + "\n")
        return
    obj = render.taylor_object(result, polynomial)
    rows = [["k", "coefficient", "derivative"]] + [
        [str(k), render.plain_line(result.coefficients[k]),
         render.plain_line(result.derivatives[k])] for k in range(order + 1)]
    write_structured(obj, rows, fmt, [[render.plain_line(result.coefficients[k]),
                                        render.plain_line(result.derivatives[k])]
                                       for k in range(order + 1)])


def _exact_taylor(text: str, at: dict[str, str], order: int, direction: dict[str, str],
                  let: dict[str, str], of: str | None, fmt: str) -> None:
    """`adcli taylor --exact`: the polynomial (table), or each coefficient and derivative
    as exact texts (plain, CSV, TSV; JSON also the polynomial)."""
    from adcli import api

    result = api.exact_taylor(api.parse_program(text), at, order, direction or None, let, of)
    if fmt == "table":
        sys.stdout.write(result.polynomial + "\n")
        return
    obj = {"inputs": result.inputs, "direction": result.direction, "order": result.order,
           "exact": True, "coefficients": list(result.coefficient_texts),
           "derivatives": list(result.derivative_texts), "polynomial": result.polynomial,
           "latex": result.latex, "warnings": []}
    pairs = list(zip(result.coefficient_texts, result.derivative_texts, strict=True))
    rows = [["k", "coefficient", "derivative"]] + [[str(k), c, d]
                                                    for k, (c, d) in enumerate(pairs)]
    write_structured(obj, rows, fmt, [[c, d] for c, d in pairs])
