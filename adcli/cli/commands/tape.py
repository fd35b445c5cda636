"""`adcli tape`: the operations one run records on the tape, with their adjoints.

One command of the group in adcli.cli.main, imported when it runs.
"""

from __future__ import annotations

from typing import IO

import click

from adcli.cli.options import ProgramCommand, output_options, program_options
from adcli.cli.render import title, write_structured
from adcli.cli.reporting import handles_errors, warn


@click.command("tape", cls=ProgramCommand)
@program_options
@click.option("--at", "ats", multiple=True, metavar="NAME=VALUE", help="A watched input.")
@output_options
@handles_errors
def tape_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                 of: str | None, ats: tuple[str, ...], fmt: str, digits: int,
                 quiet: bool) -> None:
    """Show the tape one run of PROGRAM records: one row per operation, with its
    inputs, its forward value and its adjoint (the gradient of the result with
    respect to that row) after the backward pass.

    \b
    Examples:
      adcli tape "y = x * x; z = y * y" --at x=3
      adcli tape "y = sum(x); z = y * y" --at "x=ones(2, 2)"
    """
    from adcli import api
    from adcli.cli import inputs, render

    text = inputs.read_program(program, file)
    constants = inputs.parse_constants(lets)
    source = inputs.parse_points(ats, None, constants, allow_ranges=False)
    result, rows = api.tape_rows(api.parse_program(text), source.fixed, constants, of)
    warn(result.warnings, quiet)
    if fmt == "table":
        from adcli.cli import tables

        tables.console().print(tables.tape_table(rows, title(text), digits))
        return
    objects = [{"index": r.index, "operation": r.operation, "inputs": list(r.inputs),
                "value": render.json_value(r.value),
                "adjoint": None if r.adjoint is None else render.json_value(r.adjoint),
                "name": r.name} for r in rows]
    header = ["index", "operation", "inputs", "value", "adjoint", "name"]
    lines = [header] + [[str(r.index), r.operation, " ".join(r.inputs),
                         render.plain_line(r.value),
                         render.plain_line(r.adjoint), r.name or ""] for r in rows]
    write_structured(objects, lines, fmt,
                      [[r.index, r.operation, render.plain_line(r.value),
                        render.plain_line(r.adjoint)] for r in rows])
