"""`adcli grad`: a program's value and its derivatives up to an order, at points.

One command of the group in adcli.cli.main, imported when it runs; `--output DIR`
writes one file per points file, here or on a Dask cluster (cli.distributed).
"""

from __future__ import annotations

from typing import IO, Any

import click

from adcli.cli.options import (
    ProgramCommand,
    derivative_options,
    jobs_option,
    output_options,
    point_options,
    program_options,
    taylor_options,
)
from adcli.cli.points import emit, run_points
from adcli.cli.reporting import handles_errors, print_error, warn


@click.command("grad", cls=ProgramCommand)
@program_options
@point_options
@derivative_options
@click.option("--order", type=click.IntRange(0, None), default=1, show_default=True,
              help="Highest derivative order (any: above 2 Taylor mode runs).")
@taylor_options
@jobs_option
@click.option("--output", "output_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write one CSV (or --format tsv) file per --points file into DIR, named "
                   "as the input file, instead of standard output.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run the --points files as tasks on the Dask cluster at ADDRESS "
                   "(tcp://HOST:8786), one per file; needs --output and adcli[dask].")
@output_options
@handles_errors
def grad_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                 of: str | None, ats: tuple[str, ...], points: IO[str] | None,
                 wrt: str | None, unconnected: str, order: int, engine: str,
                 precision: int | None, dirs: tuple[str, ...], jobs: int,
                 output_dir: str | None, scheduler: str | None, fmt: str,
                 digits: int, quiet: bool) -> None:
    """The value of PROGRAM and its derivatives up to --order.

    For one variable: f, f', f'', ...; for several: the gradient, every distinct
    second partial (the Hessian), and so on. A tensor-valued result gives its
    Jacobian.

    \b
    Examples:
      adcli grad "x*x*x" --at x=1 --order 2
      adcli grad "x*y + sin(x)" --at x=1 --at y=2 --order 2
      adcli grad "y = sum(x); z = y * y" --at "x=ones(2, 2)" --wrt x,y
      adcli grad "sin(x)" --at x=0:3.14159:5 --format csv
      adcli grad "sin(x)*exp(x)/(1+x*x)" --at x=0.5 --order 100 --precision 30
      adcli grad "x*y*y" --at x=1 --at y=2 --dir x=1 --dir y=1 --order 3
    """
    from adcli.cli import inputs

    text = inputs.read_program(program, file, points)
    if output_dir is not None or scheduler is not None:
        _per_file(text, points, output_dir, scheduler, ats, lets, of, wrt, order,
                  unconnected, engine, precision, dirs, jobs, fmt, quiet)
        return
    source, compute = run_points(text, ats, points, lets, of, wrt, order, unconnected,
                                  engine=engine, precision=precision, dirs=dirs)
    names = inputs.parse_wrt(wrt) or source.order
    emit(source, compute, text, fmt, digits, quiet, partial=len(names) > 1 and not dirs,
          jobs=jobs)


def _per_file(text: str, points: Any, output_dir: str | None, scheduler: str | None,
              ats: tuple[str, ...], lets: tuple[str, ...], of: str | None, wrt: str | None,
              order: int, unconnected: str, engine: str, precision: int | None,
              dirs: tuple[str, ...], jobs: int, fmt: str, quiet: bool) -> None:
    """`--output DIR` (and `--scheduler ADDRESS`): one output file per points file, on a
    Dask cluster or here, one file after another (cli.distributed)."""
    from adcli.cli import distributed, inputs

    def refuse(what: str) -> None:
        raise inputs.InputError(f"{what} cannot be used with --output or --scheduler, "
                                "which write one file per --points file")

    if output_dir is None:
        raise inputs.InputError("--scheduler writes one output file per --points file: "
                                "give the directory with --output DIR")
    if points is None or inputs._is_stdin(points):
        raise inputs.InputError("--output needs --points FILE or a glob such as "
                                "--points 'data/*.csv' (not standard input)")
    for given, what in ((ats, "--at"), (dirs, "--dir"), (precision is not None, "--precision"),
                        (jobs != 1, "--jobs")):
        if given:
            refuse(what)
    if fmt not in ("table", "csv", "tsv"):
        refuse(f"--format {fmt}")
    patterns = list(points.paths) if isinstance(points, inputs.PointsFiles) else [points.name]
    points.close()
    options = {"output_dir": output_dir, "wrt": wrt, "order": order, "lets": lets, "of": of,
               "unconnected": unconnected, "fmt": "tsv" if fmt == "tsv" else "csv",
               "engine": engine}
    if scheduler is not None:
        summary = distributed.run_on_cluster(text, patterns, scheduler=scheduler, **options)
    else:
        summary = distributed.run_locally(text, patterns, **options)
    warn(summary.warnings, quiet)
    if not quiet:
        print_error(f"{summary.rows} points from {len(summary.files)} files written to "
                     f"{output_dir}" + (f" on {scheduler}" if scheduler else ""))
