"""`--points 'data/*.csv' --scheduler ADDRESS --output DIR`: points files on a Dask cluster.

One responsibility: run the command line's points-file job, file by file, as tasks of a
Dask scheduler, each writing its own output file. A task is exactly `adcli grad PROGRAM
--points FILE --format csv > OUTPUT` (or tsv): the same reader (cli.inputs, in chunks,
so a worker's memory stays flat for a file of any size), the same batch API and the
same writer (cli.render), so each output file holds the bytes that command prints. The
workers read the points files and write the outputs themselves: they must see the same
paths as the client (a shared filesystem), and have adcli installed.

Output names: each input file keeps its path below the directory the matched files have
in common, with the extension of the format: `data/part-3.csv` -> `DIR/part-3.csv`, and
with `data/**/*.csv`, `data/a/x.tsv` -> `DIR/a/x.csv`. Dask's own `to_csv` would number
the partitions (`DIR/0.part`), which says nothing about where a row came from. A file
appears under its name only when it is complete (it is written as NAME.partial and then
renamed), so a failed run leaves no half-written output under an output name.

Dask is imported here only when a job runs (see adcli.dask.require).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from adcli import api
from adcli.cli import inputs
from adcli.dask import Request, located, require, run_rows
from adcli.errors import AdcliError, AdcliUsageError
from adcli.records import Record

EXTENSIONS = {"csv": ".csv", "tsv": ".tsv"}


class FileSummary(Record):
    """One points file done: where it was read and written, its points, its distinct
    warnings (strings with a `kind`, as the CLI prints them)."""

    input: str
    output: str
    rows: int
    warnings: tuple[str, ...]


class ClusterSummary(Record):
    """A whole job: one FileSummary per input file, in the order of the sorted file
    names, and the scheduler's address (None for Dask's local default scheduler)."""

    files: tuple[FileSummary, ...]
    scheduler: str | None

    @property
    def rows(self) -> int:
        """Points differentiated, in all files."""
        return sum(f.rows for f in self.files)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Each distinct warning once, in the order the files first gave them."""
        return tuple(dict.fromkeys(w for f in self.files for w in f.warnings))


def run_on_cluster(program_text: str, patterns: str | Sequence[str], *,
                   scheduler: str | None, output_dir: Path | str, wrt: str | None = None,
                   order: int = 1, lets: tuple[str, ...] = (), of: str | None = None,
                   unconnected: str = "none", fmt: str = "csv", engine: str = "auto",
                   limits: Any = None) -> ClusterSummary:
    """Differentiate the points of every file matching `patterns` (globs; `**` matches
    directories too) on the Dask scheduler at `scheduler` (`tcp://HOST:8786`; None:
    Dask's default, which is a distributed Client already made in this process, else
    local threads), writing one output file per input file into `output_dir` (created
    if missing); returns what was done.

    Each file is what `--points FILE` reads (a header row naming the inputs, CSV or TSV
    by its header, quoted values, blank lines skipped) and each output is what
    `--format csv|tsv` (`fmt`) prints for it, named as the module docstring says. The
    options are the command line's texts: `wrt` as `--wrt` ("x,y"), `lets` as `--let`
    ("n=10", ...); `order`, `of`, `unconnected` and `engine` as the options of those
    names. `limits`: default the limits in force here (`adcli --max-iterations N ...`
    sets them), shipped to the workers. The program is parsed here, once.

    Errors: a syntax error, malformed options, no file matching, two inputs that would
    write the same output, or an output that would overwrite its input raise before
    anything runs (AdcliError, or cli.inputs.InputError, a click.UsageError). A file
    the workers cannot read, or whose rows are malformed, raises InputError naming
    it (`--points data/p.csv: line 3: ...`). An error of the program at some point
    raises that AdcliError with its message ending `(data/p.csv, data row 4: '2.5,1')`
    (rows counted from 1 after the header, blank lines not counted) and field `row`
    (0-based). Dask missing: AdcliUsageError "Dask is not installed: pip install
    'adcli[dask]'"; a scheduler that cannot be reached: AdcliUsageError naming it."""
    dask = require("dask")
    file_task, jobs = _prepare(program_text, patterns, output_dir, wrt, order, lets, of,
                               unconnected, fmt, engine, limits)
    task = dask.delayed(file_task, pure=False)
    tasks = [task(path, output, dask_key_name=f"adcli-{Path(path).name}-{i}")
             for i, (path, output) in enumerate(jobs)]
    if scheduler is None:
        files = dask.compute(*tasks)
    else:
        with _client(scheduler) as client:
            files = dask.compute(*tasks, scheduler=client)
    return ClusterSummary(tuple(files), scheduler)


def _client(address: str) -> Any:
    """A dask.distributed Client of the scheduler at `address`, or a usage error.

    A tcp address is tried with a plain socket first: a refused or unreachable one
    fails at once (a Client retries until its timeout, 30 s by default), and no Client
    is left half-made (its clean-up can block the interpreter's exit)."""
    distributed = require("distributed")
    problem = _unreachable(address)
    if problem is None:
        try:
            return distributed.Client(address, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as error:
            problem = str(error)
    raise AdcliUsageError(
        f"cannot connect to the Dask scheduler at {address!r}: {problem}",
        parameter="scheduler",
        hint="start one with `dask scheduler` (it prints its address, tcp://HOST:8786) "
             "and workers with `dask worker tcp://HOST:8786`")


def _unreachable(address: str) -> str | None:
    """Why a TCP connection to the scheduler at a tcp:// or tls:// address (or HOST:PORT)
    fails, or the address is malformed; None when it connects, or the address is of
    another kind (the Client judges it)."""
    import socket

    from dask.config import get
    from dask.utils import parse_timedelta
    from distributed.comm.addressing import normalize_address, parse_address, parse_host_port

    try:
        scheme, location = parse_address(normalize_address(address))
        if scheme not in ("tcp", "tls"):
            return None
        host, port = parse_host_port(location)
    except ValueError as error:
        return str(error)
    timeout = parse_timedelta(get("distributed.comm.timeouts.connect"), default="s")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        return error.strerror or str(error) or type(error).__name__
    return None


def run_locally(program_text: str, patterns: str | Sequence[str], *,
                output_dir: Path | str, wrt: str | None = None, order: int = 1,
                lets: tuple[str, ...] = (), of: str | None = None, unconnected: str = "none",
                fmt: str = "csv", engine: str = "auto", limits: Any = None) -> ClusterSummary:
    """`run_on_cluster` without Dask: the same files, one after another in this process
    (`--points GLOB --output DIR` without `--scheduler`). Dask is not imported."""
    file_task, jobs = _prepare(program_text, patterns, output_dir, wrt, order, lets, of,
                               unconnected, fmt, engine, limits)
    return ClusterSummary(tuple(file_task(path, output) for path, output in jobs), None)


def _prepare(program_text: str, patterns: str | Sequence[str], output_dir: Path | str,
             wrt: str | None, order: int, lets: tuple[str, ...], of: str | None,
             unconnected: str, fmt: str, engine: str, limits: Any
             ) -> tuple[FileTask, list[tuple[str, str]]]:
    """The task every file runs and the (input, output) pairs, the output directories
    made; everything checked before anything runs."""
    if fmt not in EXTENSIONS:
        raise AdcliUsageError(f"the output format must be csv or tsv, not {fmt!r}",
                              parameter="format")
    program = api.parse_program(program_text, limits)
    if limits is None:
        from adcli.lang import default_limits

        limits = default_limits()
    constants = inputs.parse_constants(lets)
    names = inputs.parse_wrt(wrt)
    request = Request(None if names is None else tuple(names), order, constants, of,
                      unconnected, limits, engine)
    jobs = output_paths(inputs.matching_files(patterns), Path(output_dir), fmt)
    for output in dict.fromkeys(Path(o).parent for _, o in jobs):
        output.mkdir(parents=True, exist_ok=True)
    return FileTask(program, request, "\t" if fmt == "tsv" else ","), jobs


def output_paths(files: Sequence[str], output_dir: Path, fmt: str) -> list[tuple[str, str]]:
    """(input, output) for each file: its path below the files' common directory, under
    `output_dir`, with the format's extension. Raises InputError when two inputs would
    write one output, or an output is an input."""
    parents = [os.path.dirname(os.path.abspath(f)) for f in files]
    common = os.path.commonpath(parents)
    outputs: dict[str, str] = {}
    given = {os.path.realpath(f) for f in files}
    jobs = []
    for path in files:
        relative = Path(os.path.relpath(os.path.abspath(path), common))
        output = str(output_dir / relative.with_suffix(EXTENSIONS[fmt]))
        if output in outputs:
            raise inputs.InputError(f"--output: {outputs[output]} and {path} would both be "
                                    f"written to {output}; rename one of them")
        if os.path.realpath(output) in given:
            raise inputs.InputError(f"--output: {output} would overwrite the points file "
                                    f"{path}; choose another directory")
        outputs[output] = path
        jobs.append((path, output))
    return jobs


class FileTask:
    """One task: the points file at `path` differentiated into the file `output` (see
    run_on_cluster). Runs on a worker; returns a FileSummary."""

    def __init__(self, program: api.Program, request: Request, delimiter: str) -> None:
        self.program = program
        self.request = request
        self.delimiter = delimiter

    def __call__(self, path: str, output: str) -> FileSummary:
        from adcli.cli import render

        partial = output + ".partial"
        warnings: list[str] = []
        rows = 0

        def batches(stream: Any) -> Iterator[tuple[api.Batch, list[str] | None]]:
            nonlocal rows
            source = inputs.parse_points((), stream, dict(self.request.let))
            for chunk in source.chunks():
                text, offset = chunk.text, rows

                def where(row: int, text: list[str] | None = text, offset: int = offset) -> str:
                    place = f"{path}, data row {offset + row + 1}"
                    return place if text is None else f"{place}: {text[row]!r}"

                batch = run_rows(self.program, chunk.columns, self.request, where)
                warnings.extend(batch.warnings)
                rows += len(batch)
                yield batch, text if chunk.delimiter == self.delimiter else None
                del chunk, batch

        try:
            os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
            with open(path, encoding="utf-8") as stream, \
                    open(partial, "w", encoding="utf-8") as out:
                render.write_delimited(batches(stream), out, self.delimiter)
            os.replace(partial, output)
        except BaseException as error:
            if os.path.exists(partial):
                os.unlink(partial)
            raise _naming(error, path, output) from None
        return FileSummary(path, output, rows, tuple(dict.fromkeys(warnings)))


def _naming(error: BaseException, path: str, output: str) -> BaseException:
    """The error of one file's task, naming the file where it does not yet."""
    if isinstance(error, inputs.InputError):
        message = error.message
        message = f"--points {path}{message[len('--points'):]}" \
            if message.startswith("--points") else f"--points {path}: {message}"
        return inputs.InputError(message)
    if isinstance(error, UnicodeDecodeError):
        return inputs.InputError(f"--points {path}: the file is not UTF-8 text (byte "
                                 f"{error.object[error.start]:#04x} at offset {error.start})")
    shared = ("the workers read the points files and write the outputs, so they need the "
              "client's paths (a shared filesystem)")
    if isinstance(error, OSError) and error.filename == path:
        return inputs.InputError(f"--points {path}: cannot read it on the worker: "
                                 f"{error.strerror or error}; {shared}")
    if isinstance(error, OSError) and error.filename is not None:
        return inputs.InputError(f"--output {output}: cannot write it on the worker: "
                                 f"{error.strerror or error}; {shared}")
    if isinstance(error, AdcliError) and getattr(error, "row", None) is None:
        return located(error, path)
    return error


__all__ = ["ClusterSummary", "FileSummary", "FileTask", "output_paths", "run_locally",
           "run_on_cluster"]
