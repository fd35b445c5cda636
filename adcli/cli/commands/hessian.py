"""`adcli hessian`: the Hessian matrix of a scalar program at one point.

One command of the group in adcli.cli.main, imported when it runs.
"""

from __future__ import annotations

from typing import IO

import click

from adcli.cli.options import ProgramCommand, output_options, program_options
from adcli.cli.render import title, with_mode, write_structured
from adcli.cli.reporting import handles_errors, warn


@click.command("hessian", cls=ProgramCommand)
@program_options
@click.option("--at", "ats", multiple=True, metavar="NAME=VALUE",
              help="A watched input (repeatable): a value such as 1, pi/4 or [1, 2]; the "
                   "Hessian is taken at one point.")
@click.option("--wrt", metavar="A,B", help="The variables (default: every --at input).")
@click.option("--mode", type=click.Choice(["auto", "forward", "reverse"]), default="auto",
              show_default=True,
              help="How the Jacobian of the gradient is computed, in one pass: forward "
                   "(forward-over-reverse), reverse (reverse-over-reverse), or auto: "
                   "forward, except that a single value's derivative is its gradient.")
@output_options
@handles_errors
def hessian_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                    of: str | None, ats: tuple[str, ...], wrt: str | None, mode: str,
                    fmt: str, digits: int, quiet: bool) -> None:
    """The Hessian matrix of a scalar PROGRAM at one point.

    Rows and columns run over every entry of every --wrt variable. The gradient is
    reverse mode, and its Jacobian one pass (--mode); the caption and JSON say which.

    \b
    Examples:
      adcli hessian "x^2*y + y^3" --at x=1 --at y=2
      adcli hessian "sum(x^3)" --at "x=[1, 2]"
    """
    from adcli import api
    from adcli.cli import inputs, render

    text = inputs.read_program(program, file)
    constants = inputs.parse_constants(lets)
    source = inputs.parse_points(ats, None, constants, allow_ranges=False)
    names = inputs.parse_wrt(wrt)
    result, matrix, labels = api.hessian(api.parse_program(text), source.fixed, names,
                                         constants, of, mode=mode)
    warn(result.warnings, quiet)
    names_text = [name if index is None else f"{name}[{index}]" for name, index in labels]
    if fmt == "table":
        from adcli.cli import tables

        at = ", ".join(f"{k} = {tables.inline(v, digits)}" for k, v in result.inputs.items())
        tables.console().print(tables.matrix_table(
            matrix, names_text, title(text), digits,
            f"Hessian at {at}; value {tables.inline(result.value, digits)}; {result.mode}"))
        return
    obj = with_mode(render.point_object(result), result)
    obj["hessian"] = render.json_value(matrix)
    obj["labels"] = names_text
    write_structured(obj, [names_text] + [list(map(repr, row.tolist())) for row in matrix],
                      fmt, [render.json_value(row) for row in matrix])
