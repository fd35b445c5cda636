"""The options the commands share, and what their texts say.

One responsibility: the command line's vocabulary. `ProgramCommand` lets a program
start with a minus sign; the decorators (`program_options`, `point_options`,
`output_options`, `derivative_options`, `taylor_options`, `jobs_option`,
`precision_option`) give each command the same options with the same help; and
`directions`, `let_texts`, `exact_texts`, `dir_texts` read --dir, --let and --at
texts for the API. Imports click; cli.inputs when an option is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import click

FORMATS = ("table", "json", "jsonl", "csv", "tsv", "plain")


class ProgramCommand(click.Command):
    """A command whose PROGRAM may start with a minus sign: `adcli eval "-1"`,
    `adcli grad "-x^2" --at x=3`, `adcli eval -- "-x^2" --let x=3`.

    Before click parses, the first argument that starts with "-" and is neither one of
    the command's options (nor an option's value) nor after the program is taken as the
    program and moved behind a "--", so that options may stand before or after it. A
    mistyped long option (`--atx`) is left to click, which suggests the right one."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._program_last(list(args), ctx.help_option_names))

    def _program_last(self, args: list[str], help_names: list[str]) -> list[str]:
        # -h and --help are options too (click adds them when it parses), not a program.
        valued: dict[str, bool] = dict.fromkeys(help_names, False)
        for param in self.params:
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    valued[name] = not (param.is_flag or param.count)
        rest: list[str] = []
        program = None
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--" and program is None and i + 1 < len(args):
                program, i = args[i + 1], i + 2
                continue
            if arg in valued:
                rest.append(arg)
                if valued[arg] and i + 1 < len(args):
                    rest.append(args[i + 1])
                    i += 1
            elif arg.startswith("--") or not arg.startswith("-") or len(arg) == 1 \
                    or (arg[:2] in valued and not _EXPRESSION.search(arg[2:])) \
                    or program is not None:
                rest.append(arg)
                if not arg.startswith("-") and program is None:
                    program = ""  # the program is an ordinary argument: nothing to move
                    rest[-1:] = [arg]
            else:
                program = arg  # "-1", "-x^2", "-(x + 1)": not an option of this command
            i += 1
        if program:
            return [*rest, "--", program]
        return rest


# Characters no option value or cluster of flags holds, but a program does: "-floor(x)*x"
# is a program, not `-f loor(x)*x`.
_EXPRESSION = re.compile(r"[()\[\]^*+/<>|!]")


def _stacked(command: Callable[..., Any],
             decorators: list[Callable[..., Any]]) -> Callable[..., Any]:
    """`command` with `decorators` applied as if written above it in this order (so
    the options appear in --help in this order)."""
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def program_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """PROGRAM | -f FILE | -, --let and --of: what every command runs."""
    decorators = [
        click.argument("program", required=False),
        click.option("-f", "--file", "file", type=click.File("r"),
                     help="Read the program from FILE."),
        click.option("--let", "lets", multiple=True, metavar="NAME=VALUE",
                     help="A constant that is not differentiated (repeatable), e.g. --let n=10."),
        click.option("--of", "of", metavar="NAME",
                     help="The variable whose value is the result (default: the program's "
                          "value)."),
    ]
    return _stacked(command, decorators)


class PointsParam(click.ParamType):
    """`--points`: `-`, a file, or a glob (`'data/*.csv'`, `**` across directories) whose
    files are read one after another (cli.inputs.PointsFiles)."""

    name = "file"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str) or value == "-" or os.path.exists(value) \
                or not any(c in value for c in "*?["):
            return click.File("r").convert(value, param, ctx)
        from adcli.cli import inputs

        return inputs.PointsFiles(value, inputs.matching_files(value))


def point_options(command: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option("--at", "ats", multiple=True, metavar="NAME=VALUE",
                     help="A watched input (repeatable): a value such as 1, pi/4, [1, 2] or "
                          "ones(2, 2), or a range START:STOP:COUNT; ranges form a grid."),
        click.option("--points", type=PointsParam(), metavar="FILE|GLOB|-",
                     help="CSV or TSV of points: a header row naming the inputs, then one "
                          "point per row; a glob ('data/*.csv') reads its files in order."),
    ]
    return _stacked(command, decorators)


jobs_option = click.option(
    "--jobs", type=click.IntRange(0, None), default=1, show_default=True, metavar="N",
    help="Compute a grid or --points stream in N worker processes (0: one per core); "
         "the output is the same as with 1.")


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                     show_default=True, help="Output format."),
        click.option("--digits", type=click.IntRange(1, 17), default=12, show_default=True,
                     help="Significant digits in tables (machine formats keep every digit)."),
        click.option("-q", "--quiet", is_flag=True, help="Do not print warnings."),
    ]
    return _stacked(command, decorators)


def derivative_options(command: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option("--wrt", metavar="A,B",
                     help="Differentiate with respect to these inputs or intermediate "
                          "variables (default: every --at input, in order)."),
        click.option("--unconnected", type=click.Choice(["none", "zero"]), default="none",
                     show_default=True,
                     help="What a derivative of a result that does not depend on the "
                          "variable is: None with its reason, or zero."),
    ]
    return _stacked(command, decorators)


precision_option = click.option(
    "--precision", type=click.IntRange(1, 100000), metavar="D",
    help="Compute with D significant decimal digits (mpmath); every format prints them.")


def taylor_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--engine, --precision and --dir: Taylor mode (derivatives of any order)."""
    decorators = [
        click.option("--engine", type=click.Choice(["auto", "tape", "taylor"]), default="auto",
                     show_default=True,
                     help="tape: nested gradient tapes; taylor: Taylor series (one scalar "
                          "input, or along --dir); auto: the tape for orders 1 and 2, Taylor "
                          "above."),
        precision_option,
        click.option("--dir", "dirs", multiple=True, metavar="NAME=VALUE",
                     help="Derivatives along this direction (repeatable; missing inputs 0): "
                          "f^(k)[v,...,v], labelled dkf/dvk."),
    ]
    return _stacked(command, decorators)


def directions(dirs: tuple[str, ...], constants: dict[str, Any]) -> dict[str, Any] | None:
    from adcli.cli import inputs

    direction = {}
    for text in dirs:
        assignment = inputs.split_assignment("--dir", text, "x=1")
        if assignment.name in direction:
            raise inputs.InputError(f"--dir {assignment.name} is given twice")
        direction[assignment.name] = inputs.evaluate_value(assignment, constants)
    return direction or None


def let_texts(lets: tuple[str, ...]) -> dict[str, str]:
    from adcli.cli import inputs

    return {a.name: a.text for a in (inputs.split_assignment("--let", t, "n=10") for t in lets)}


def exact_texts(ats: tuple[str, ...], source: Any) -> dict[str, str]:
    from adcli.cli import inputs

    texts = {}
    for text in ats:
        assignment = inputs.split_assignment("--at", text, "x=1")
        if assignment.name in source.fixed:
            texts[assignment.name] = assignment.text
    return texts


def dir_texts(dirs: tuple[str, ...]) -> dict[str, str]:
    from adcli.cli import inputs

    texts: dict[str, str] = {}
    for text in dirs:
        assignment = inputs.split_assignment("--dir", text, "x=1")
        if assignment.name in texts:
            raise inputs.InputError(f"--dir {assignment.name} is given twice")
        texts[assignment.name] = assignment.text
    return texts
