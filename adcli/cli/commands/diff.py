"""`adcli diff`: the derivative of a program as a formula.

One command of the group in adcli.cli.main, imported when it runs.
"""

from __future__ import annotations

import sys
from typing import IO

import click

from adcli.cli.options import ProgramCommand, let_texts, program_options
from adcli.cli.reporting import handles_errors, warn

DIFF_FORMATS = ("text", "plain", "latex", "json")


@click.command("diff", cls=ProgramCommand)
@program_options
@click.option("--wrt", metavar="A,B",
              help="The inputs to differentiate by (default: every input the program reads, "
                   "in order); with several, every distinct partial.")
@click.option("--order", type=click.IntRange(0, None), default=1, show_default=True,
              help="The order of the derivative (0: the program's own formula).")
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="text",
              show_default=True,
              help="text: for people (labelled when there are several); plain: the bare "
                   "formulas, one per line, for adcli eval; latex; json.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings.")
@handles_errors
def diff_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                 of: str | None, wrt: str | None, order: int, fmt: str, quiet: bool) -> None:
    """The derivative of PROGRAM as a formula, simplified, in adcli's own syntax.

    Every name the program reads without a value is an input; --let constants are
    substituted exactly. Loops of fixed counts unroll, functions and branches on
    constants run, and `a if c else b` on an input gives a piecewise formula (an
    `if` or `while` on an input is an error naming it). The plain formula evaluates
    again: adcli eval "$(adcli diff ... --format plain)" --let x=1.3.

    \b
    Examples:
      adcli diff "x^2*sin(x)"
      adcli diff "x*y + sin(x)" --wrt x,y
      adcli diff "exp(-x^2/2)" --order 2 --format latex
      adcli diff "y = x; for i in range(3): y = y*x"
      adcli diff "a*x^k" --let k=3 --format json
    """
    from adcli import api
    from adcli.cli import inputs

    text = inputs.read_program(program, file)
    result = api.diff(api.parse_program(text), inputs.parse_wrt(wrt), order, let_texts(lets),
                      of)
    warn(result.warnings, quiet)
    if fmt == "json":
        from adcli.cli import render

        obj = {"program": text, "wrt": list(result.wrt), "order": result.order,
               "inputs": list(result.inputs),
               "formulas": {f.label(partial=result.partial): {"plain": f.text, "latex": f.latex}
                            for f in result.formulas}}
        sys.stdout.write(render.dumps(obj, indent=2) + "\n")
        return
    if fmt == "latex":
        sys.stdout.write("".join(f.latex + "\n" for f in result.formulas))
        return
    if fmt == "plain" or len(result.formulas) == 1:
        sys.stdout.write("".join(f.text + "\n" for f in result.formulas))
        return
    from adcli.cli.tables import unicode_ok

    unicode = unicode_ok()
    sys.stdout.write("".join(f"{f.label(unicode, result.partial)} = {f.text}\n"
                             for f in result.formulas))
