"""The point commands' pipeline (eval, grad, jacobian): points in, output out.

One responsibility: run a command over its points. `run_points` reads the program,
the --at/--points source and the options into a point source and a `_Compute`;
`emit` computes each chunk of points (here, or in --jobs worker processes through
cli.parallel), hands each chunk's batch to the output format (cli.render, or the
rich table of cli.tables, imported only then), and prints the warnings once each.
A chunk is handled by the same `_Step` here and in a worker, so that --jobs N
writes exactly what --jobs 1 writes. A progress bar shows on a terminal's standard
error once a job has run longer than ADCLI_PROGRESS_DELAY seconds.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections.abc import Iterator
from typing import IO, Any

from adcli.cli.options import directions, exact_texts, let_texts
from adcli.cli.reporting import warn


def progress_delay() -> float:
    """ADCLI_PROGRESS_DELAY: the seconds a job runs before its progress bar shows (default
    1; a value that is not a number of 0 or more counts as the default)."""
    try:
        delay = float(os.environ.get("ADCLI_PROGRESS_DELAY", "1"))
    except ValueError:
        return 1.0
    return delay if delay >= 0 else 1.0


def _with_progress(pieces: Iterator[Any], total: int | None) -> Iterator[Any]:
    """Show a progress bar on standard error, when it is a terminal, once a job has run
    longer than the progress delay. Standard output never sees it: what a command
    writes there is the same at a terminal and in a pipe."""
    if not sys.stderr.isatty():
        yield from pieces
        return
    delay = progress_delay()
    started, progress, task, done = time.monotonic(), None, None, 0
    try:
        for piece in pieces:
            yield piece
            done += piece.rows
            del piece
            if progress is None and time.monotonic() - started > delay:
                from rich.console import Console
                from rich.progress import Progress

                progress = Progress(console=Console(stderr=True), transient=True,
                                    redirect_stdout=False, redirect_stderr=False)
                progress.start()
                task = progress.add_task("points", total=total)
            if progress is not None:
                progress.update(task, completed=done)
    finally:
        if progress is not None:
            progress.stop()


class _Piece:
    """One chunk's share of the output: its number of points, its warnings, and what
    the command's output writes for it."""

    __slots__ = ("rows", "warnings", "content")

    def __init__(self, rows: int, warnings: tuple[str, ...], content: Any) -> None:
        self.rows, self.warnings, self.content = rows, warnings, content


class _Compute:
    """A chunk's batch: api.differentiate_batch with a command's settings (`options`: its
    keyword arguments but the points). Picklable, so that a --jobs worker runs it as
    well. Plain classes, here and below: a dataclass costs milliseconds at start-up."""

    def __init__(self, program: Any, jacobian: bool, **options: Any) -> None:
        self.program, self.jacobian, self.options = program, jacobian, options

    def __call__(self, chunk: Any) -> Any:
        from adcli import api

        options = self.options
        if chunk.single and options["precision"] is None:
            # One point: what differentiate_batch gives there, without the batch's
            # arrays, so that a scalar program needs no numpy (adcli.engine.lazy_numpy).
            point = {name: column[0] for name, column in chunk.columns.items()}
            result = api.point_result(self.program, point, **{
                k: v for k, v in options.items() if k != "exact"})
            batch = api.Batch.of([result])
        else:
            batch = api.differentiate_batch(self.program, chunk.columns, **{
                **options, "exact": {**options["exact"], **(chunk.texts or {})}})
        if self.jacobian:
            # The Jacobian is what was asked for here: no hint that a diagonal one meant
            # points.
            from adcli.records import replace

            batch = replace(batch, warnings=tuple(
                w for w in batch.warnings if api.kind_of(w) != "diagonal"))
        return batch


class _Step:
    """What happens to one raw chunk: parse its points, compute their batch, render its
    piece of the output. The same function here and in a --jobs worker, so that
    --jobs N writes exactly what --jobs 1 writes. With `encoding` (standard output's
    encoding and errors), a worker hands its text back encoded, so that the parent
    writes the bytes as they come (see render.put)."""

    def __init__(self, source: Any, compute: _Compute, output: Any,
                 encoding: tuple[str, str] | None = None) -> None:
        self.source, self.compute, self.output = source, compute, output
        self.encoding = encoding

    def __call__(self, raw: Any) -> _Piece | None:
        chunk = self.source.parse(raw)
        if chunk is None:
            return None
        batch = self.compute(chunk)
        content = self.output.piece(batch, chunk)
        if self.encoding is not None:
            content = _encoded(content, *self.encoding)
        return _Piece(len(batch), batch.warnings, content)


def _encoded(content: Any, encoding: str, errors: str) -> Any:
    """A piece's text encoded (each text of a tuple), as a pickle.PickleBuffer: it
    crosses to the parent out of band, into the buffer the parent writes from. Anything
    else as it is."""
    if isinstance(content, str):
        import pickle

        return pickle.PickleBuffer(content.encode(encoding, errors))
    if isinstance(content, tuple):
        return tuple(_encoded(part, encoding, errors) if isinstance(part, str) else part
                     for part in content)
    return content


def run_points(text: str, ats: tuple[str, ...], points: IO[str] | None, lets: tuple[str, ...],
                of: str | None, wrt: str | None, order: int, unconnected: str,
                allow_ranges: bool = True, engine: str = "auto", precision: int | None = None,
                dirs: tuple[str, ...] = (), mode: str = "auto",
                jacobian: bool = False) -> tuple[Any, _Compute]:
    """Parse inputs and return (point source, what computes each chunk's batch)."""
    from adcli import api
    from adcli.cli import inputs

    program = api.parse_program(text)
    constants = inputs.parse_constants(lets)
    exactly = precision is not None
    source = inputs.parse_points(ats, points, constants, allow_ranges, keep_texts=exactly)
    names = inputs.parse_wrt(wrt)
    direction = directions(dirs, constants)
    # At --precision D every number given is evaluated again at D digits from its text:
    # --at values and ranges, --let constants and the values of a points file.
    exact = exact_texts(ats, source) if exactly else {}
    let = let_texts(lets) if exactly else constants
    return source, _Compute(program, jacobian, wrt=names, order=order, let=let, of=of,
                            unconnected=unconnected, engine=engine, precision=precision,
                            direction=direction, exact=exact, mode=mode)


def _output(fmt: str, many: bool, text: str, digits: int, partial: bool,
            jacobian: bool = False) -> Any:
    """The output of a points command in `fmt` (see render.Output)."""
    from adcli.cli import render

    if fmt == "table":
        return _TableOutput(render.title(text), digits, partial, jacobian)
    if jacobian and fmt in ("json", "jsonl"):
        return render.CollectedJsonOutput(array=fmt == "json" and many,
                                          indent=fmt == "json" and not many)
    if fmt == "json":
        return render.JsonOutput(single=not many)
    if fmt == "jsonl":
        return render.JsonLinesOutput()
    if fmt in ("csv", "tsv"):
        return render.DelimitedOutput("\t" if fmt == "tsv" else ",")
    return render.PlainOutput(single=not many)


class _TableOutput:
    """The table (a render.Output): every chunk's batch, joined and drawn at the end."""

    def __init__(self, title: str, digits: int, partial: bool, jacobian: bool) -> None:
        self.title, self.digits, self.partial, self.jacobian = title, digits, partial, jacobian
        self.batches: list[Any] = []

    def open(self, out: IO[str]) -> None:
        pass

    def piece(self, batch: Any, chunk: Any = None) -> Any:
        return batch

    def write(self, out: IO[str], piece: Any) -> None:
        if self.jacobian:
            from adcli.cli.render import engine_text
            from adcli.records import replace

            piece = replace(piece, engine=engine_text(piece))
        self.batches.append(piece)

    def close(self, out: IO[str]) -> None:
        from adcli.api import Batch
        from adcli.cli import tables

        if not self.batches:
            # A points file with its header row only: the machine formats write no
            # rows (JSON an empty list); a table without rows would show nothing.
            warn(["the points have no rows after their header: there is nothing to show"],
                 quiet=False)
            return
        merged = Batch.concat(self.batches)
        tables.console().print(tables.results_table(merged, self.title, self.digits,
                                                    self.partial))


@contextlib.contextmanager
def _pieces(source: Any, step: _Step, jobs: int, out: IO[str]) -> Iterator[Iterator[_Piece]]:
    """Each chunk's piece, in order: computed here, or by worker processes for --jobs N
    (N not 1) when there are more points than one chunk holds (or a points file)."""
    from adcli.cli import inputs

    total = source.total()
    if jobs == 1 or not source.many or (total is not None and total <= inputs.CHUNK_ROWS):
        yield _present(map(step, source.raw_chunks()))
        return
    from adcli.cli import parallel
    from adcli.lang import default_limits

    raws = (raw.packed() for raw in source.raw_chunks())
    settings = functools.partial(_worker_settings, default_limits())
    encoding, errors = getattr(out, "encoding", None), getattr(out, "errors", None)
    if encoding and errors and hasattr(out, "buffer") and os.linesep == "\n":
        step = _Step(step.source, step.compute, step.output, (encoding, errors))
    chunks = None if total is None else -(-total // inputs.CHUNK_ROWS)
    with parallel.ordered(step, raws, parallel.workers_for(jobs, chunks), settings) as pieces:
        yield _present(pieces)


def _present(pieces: Iterator[_Piece | None]) -> Iterator[_Piece]:
    """The pieces of the chunks that had points, each let go of before the next is made."""
    for piece in pieces:
        if piece is not None:
            yield piece
        del piece


def _worker_settings(limits: Any) -> None:
    """What a --jobs worker needs of this process's settings (a forked one has most of
    them already): the limits of --max-iterations and friends but the time limit, which
    the parent holds for the whole command (it stops the workers), and quiet numpy."""
    import warnings

    from adcli.lang import set_default_limits
    from adcli.records import replace

    set_default_limits(replace(limits, time_seconds=None))
    warnings.filterwarnings("ignore", category=RuntimeWarning)


def emit(source: Any, compute: _Compute, text: str, fmt: str, digits: int, quiet: bool,
          partial: bool, jobs: int = 1, jacobian: bool = False) -> None:
    """Compute every chunk of points and write the output, then the warnings (before
    the table, for a table), each once, in the order they first arose."""
    output = _output(fmt, source.many, text, digits, partial, jacobian)
    out = sys.stdout
    warnings: list[str] = []
    output.open(out)
    with _pieces(source, _Step(source.detached(), compute, output), jobs, out) as pieces:
        for piece in _with_progress(pieces, source.total()):
            warnings.extend(piece.warnings)
            output.write(out, piece.content)
            del piece
    if fmt == "table":
        warn(warnings, quiet)
    output.close(out)
    if fmt != "table":
        warn(warnings, quiet)
