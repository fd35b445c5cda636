"""The `adcli` command: a thin click layer over adcli.api.

One responsibility: options in, output out. Each command reads its program and
points (cli.inputs), calls the API, and writes a rich table (cli.tables, imported
only then) or JSON/CSV/TSV/plain text (cli.render); with --jobs N the chunks of a
grid or points file go through N worker processes (cli.parallel, imported only
then), each chunk by the same step as without. No numerics happen here.
Errors from the library become one message on standard error with the exit code
of its kind: 0 success, 1 evaluation error or failed check, 2 usage or syntax.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

import click

from adcli import __version__

FORMATS = ("table", "json", "jsonl", "csv", "tsv", "plain")


class ProgramCommand(click.Command):
    """A command whose PROGRAM may start with a minus sign: `adcli eval "-1"`,
    `adcli grad "-x^2" --at x=3`, `adcli eval -- "-x^2" --let x=3`.

    Before click parses, the first argument that starts with "-" and is neither one of
    the command's options (nor an option's value) nor after the program is taken as the
    program and moved behind a "--", so that options may stand before or after it. A
    mistyped long option (`--atx`) is left to click, which suggests the right one."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._program_last(list(args)))

    def _program_last(self, args: list[str]) -> list[str]:
        valued: dict[str, bool] = {}
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


class Settings:
    """What the group-level flags say, handed to every command."""

    debug = False
    # The REPL owns the terminal and exits the ordinary way (see main).
    interactive = False


def _time_seconds() -> float | None:
    """The --time-limit of this process, if one was given (without importing the
    language when none was: it is set together with the other limits)."""
    if "adcli.lang.interpreter" not in sys.modules:
        return None
    from adcli.lang import default_limits

    return default_limits().time_seconds


def _print_error(message: str) -> None:
    click.echo(message, err=True)


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one clear message and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from adcli.errors import AdcliError

        try:
            # The REPL applies the time limit to each input instead (cli/repl.py).
            seconds = None if command.__name__ == "repl_command" else _time_seconds()
            if seconds is None:
                return command(*args, **kwargs)
            from adcli.lang.time_limit import time_limit

            with time_limit(seconds, f"running adcli {command.__name__.split('_')[0]}"):
                return command(*args, **kwargs)
        except AdcliError as error:
            if Settings.debug:
                raise
            from adcli.cli.words import render

            _print_error(render(error))
            sys.exit(error.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except UnicodeDecodeError as error:
            _print_error(f"usage error: the input is not UTF-8 text (byte "
                         f"{error.object[error.start]:#04x} at offset {error.start}); save "
                         "the program or points file as UTF-8")
            sys.exit(2)
        except KeyboardInterrupt:
            _print_error("interrupted")
            sys.exit(130)
        except MemoryError:
            # A tensor within --max-elements each, but too many of them kept at once.
            _print_error("limit error: the command needs more memory than there is (its "
                         "tensors pass the limit one by one, but not together)\nhint: "
                         "ask for less (fewer points, a lower order, smaller tensors), or "
                         "lower --max-elements to stop such programs sooner")
            sys.exit(1)
        except BrokenPipeError:
            # The reader stopped early (`adcli ... | head`): not an error worth a
            # message. Point stdout at /dev/null so that the final flush is quiet.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except Exception as error:  # noqa: BLE001 - the last line of defence for users
            if Settings.debug:
                raise
            _print_error(f"internal error: {type(error).__name__}: {error}\n"
                         "(this is a bug in adcli; run with --debug for a traceback)")
            sys.exit(1)

    return wrapper


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
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


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
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


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
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


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
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _warn(warnings: Any, quiet: bool) -> None:
    if quiet:
        return
    for warning in dict.fromkeys(warnings):
        _print_error(f"warning: {warning}")


def _finite_tolerance(value: float) -> float:
    # FloatRange lets nan through (every comparison with nan is false).
    if value != value or value == float("inf"):
        raise click.BadParameter("the tolerance must be a finite number, e.g. 1e-6",
                                 param_hint="'--tolerance'")
    return value


def _title(program: str) -> str:
    """A table's title: a one-line program as it is, else its first line and its length,
    so that a long program does not make every table as wide as the program."""
    lines = [line.rstrip() for line in program.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    title = lines[0] if len(lines) == 1 else f"{lines[0]} ... ({len(lines)} lines)"
    return title if len(title) <= 80 else title[:77] + "..."


def _progress_delay() -> float:
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
    delay = _progress_delay()
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


def _run_points(text: str, ats: tuple[str, ...], points: IO[str] | None, lets: tuple[str, ...],
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
    direction = _directions(dirs, constants)
    # At --precision D every number given is evaluated again at D digits from its text:
    # --at values and ranges, --let constants and the values of a points file.
    exact = _exact_texts(ats, source) if exactly else {}
    let = _let_texts(lets) if exactly else constants
    return source, _Compute(program, jacobian, wrt=names, order=order, let=let, of=of,
                            unconnected=unconnected, engine=engine, precision=precision,
                            direction=direction, exact=exact, mode=mode)


def _output(fmt: str, many: bool, text: str, digits: int, partial: bool,
            jacobian: bool = False) -> Any:
    """The output of a points command in `fmt` (see render.Output)."""
    from adcli.cli import render

    if fmt == "table":
        return _TableOutput(_title(text), digits, partial, jacobian)
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
            from adcli.records import replace

            piece = replace(piece, engine=_engine_text(piece))
        self.batches.append(piece)

    def close(self, out: IO[str]) -> None:
        from adcli.api import Batch
        from adcli.cli import tables

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


def _emit(source: Any, compute: _Compute, text: str, fmt: str, digits: int, quiet: bool,
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
        _warn(warnings, quiet)
    output.close(out)
    if fmt != "table":
        _warn(warnings, quiet)


def _directions(dirs: tuple[str, ...], constants: dict[str, Any]) -> dict[str, Any] | None:
    from adcli.cli import inputs

    direction = {}
    for text in dirs:
        assignment = inputs.split_assignment("--dir", text, "x=1")
        if assignment.name in direction:
            raise inputs.InputError(f"--dir {assignment.name} is given twice")
        direction[assignment.name] = inputs.evaluate_value(assignment, constants)
    return direction or None


def _let_texts(lets: tuple[str, ...]) -> dict[str, str]:
    from adcli.cli import inputs

    return {a.name: a.text for a in (inputs.split_assignment("--let", t, "n=10") for t in lets)}


def _exact_texts(ats: tuple[str, ...], source: Any) -> dict[str, str]:
    from adcli.cli import inputs

    texts = {}
    for text in ats:
        assignment = inputs.split_assignment("--at", text, "x=1")
        if assignment.name in source.fixed:
            texts[assignment.name] = assignment.text
    return texts


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
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


precision_option = click.option(
    "--precision", type=click.IntRange(1, 100000), metavar="D",
    help="Compute with D significant decimal digits (mpmath); every format prints them.")


@click.group(invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="adcli")
@click.option("--debug", is_flag=True, help="Show a Python traceback when something fails.")
@click.option("--max-iterations", type=click.IntRange(1, None), metavar="N",
              help="Loop iterations and calls a program may run, in all (default 1000000).")
@click.option("--max-elements", type=click.IntRange(1, None), metavar="N",
              help="Entries one tensor may have (default 10000000).")
@click.option("--max-depth", type=click.IntRange(1, 100_000), metavar="N",
              help="How deeply calls may nest (default 200, at most 100000).")
@click.option("--max-partials", type=click.IntRange(1, None), metavar="N",
              help="Distinct partial derivatives one request may ask for (default 1000).")
@click.option("--max-tape-operations", type=click.IntRange(1, None), metavar="N",
              help="Operations the tape may record for high orders, estimated before it "
                   "starts (default 1000000).")
@click.option("--max-memory", type=click.IntRange(1, None), metavar="MIB",
              help="Resident memory the process may reach by an operation of a million "
                   "entries or more (default 2048).")
@click.option("--time-limit", type=click.FloatRange(0, 1e9, min_open=True),
              metavar="SECONDS",
              help="Stop the command (a REPL input) after SECONDS with a limit error "
                   "(default: no limit).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, max_iterations: int | None, max_elements: int | None,
        max_depth: int | None, max_partials: int | None, max_tape_operations: int | None,
        max_memory: int | None, time_limit: float | None) -> None:
    """adcli: values and exact derivatives of math expressions and small programs.

    \b
    Examples:
      adcli grad "x*x*x" --at x=1 --order 2
      adcli diff "x^2*sin(x)"
      adcli eval "sin(pi/4)^2"
      adcli grad "x*y + sin(x)" --at x=1 --at y=2 --order 2 --format json
      adcli check "exp(x)/x" --at x=2 --order 3
      adcli --max-iterations 10000000 eval -f long_loop.ad
      adcli --time-limit 5 grad -f model.ad --at x=0.5
    """
    Settings.debug = debug
    if time_limit is not None and time_limit != time_limit:
        raise click.BadParameter("nan is not a number of seconds", param_hint="'--time-limit'")
    given = {"max_iterations": max_iterations, "max_tensor_elements": max_elements,
             "max_call_depth": max_depth, "max_partials": max_partials,
             "max_tape_operations": max_tape_operations, "max_memory_mb": max_memory,
             "time_seconds": time_limit}
    if any(v is not None for v in given.values()):
        from adcli.lang import default_limits, set_default_limits
        from adcli.records import replace

        set_default_limits(replace(default_limits(),
                                   **{k: v for k, v in given.items() if v is not None}))
    if ctx.invoked_subcommand is None:
        # Bare `adcli` at a terminal is the REPL; in a script or pipe it stays help.
        if sys.stdin.isatty():
            ctx.invoke(repl_command)
        click.echo(ctx.get_help())


@cli.command("eval", cls=ProgramCommand)
@program_options
@point_options
@precision_option
@jobs_option
@output_options
@handles_errors
def eval_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                 of: str | None, ats: tuple[str, ...], points: IO[str] | None,
                 precision: int | None, jobs: int, fmt: str, digits: int,
                 quiet: bool) -> None:
    """Evaluate PROGRAM and print its value.

    \b
    Examples:
      adcli eval "sin(pi/4)^2"
      adcli eval "x^2 + 1" --at x=0:1:5 --format csv
      adcli eval "out = 1; for i in range(n): out = out * 2" --let n=10
      adcli eval "exp(1)" --precision 40
    """
    from adcli.cli import inputs

    text = inputs.read_program(program, file, points)
    source, compute = _run_points(text, ats, points, lets, of, None, 0, "none",
                                  precision=precision)
    _emit(source, compute, text, fmt, digits, quiet, partial=False, jobs=jobs)


@cli.command("grad", cls=ProgramCommand)
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
    source, compute = _run_points(text, ats, points, lets, of, wrt, order, unconnected,
                                  engine=engine, precision=precision, dirs=dirs)
    names = inputs.parse_wrt(wrt) or source.order
    _emit(source, compute, text, fmt, digits, quiet, partial=len(names) > 1 and not dirs,
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
    _warn(summary.warnings, quiet)
    if not quiet:
        _print_error(f"{summary.rows} points from {len(summary.files)} files written to "
                     f"{output_dir}" + (f" on {scheduler}" if scheduler else ""))


MODE_HELP = ("How the Jacobian is computed, in one pass with a batch of seeds: forward "
             "mode (a seed per input entry), reverse mode (a seed per value entry), or auto: "
             "forward when the inputs have no more entries than the value.")


@cli.command("jacobian", cls=ProgramCommand)
@program_options
@point_options
@derivative_options
@click.option("--mode", type=click.Choice(["auto", "forward", "reverse"]), default="auto",
              show_default=True, help=MODE_HELP)
@jobs_option
@output_options
@handles_errors
def jacobian_command(program: str | None, file: IO[str] | None, lets: tuple[str, ...],
                     of: str | None, ats: tuple[str, ...], points: IO[str] | None,
                     wrt: str | None, unconnected: str, mode: str, jobs: int, fmt: str,
                     digits: int, quiet: bool) -> None:
    """The value of a (vector-valued) PROGRAM and its Jacobian for each --wrt variable.

    The Jacobian with respect to x has shape value.shape + x.shape: row i holds
    the gradient of entry i. It is computed in one pass, in forward or reverse mode
    (--mode); the caption and JSON say which.

    \b
    Examples:
      adcli jacobian "[x*y, x + y, sin(x)]" --at x=1 --at y=2
      adcli jacobian "x * x" --at "x=[1, 2, 3]" --mode reverse
    """
    from adcli.cli import inputs

    text = inputs.read_program(program, file, points)
    source, compute = _run_points(text, ats, points, lets, of, wrt, 1, unconnected, mode=mode,
                                  jacobian=True)
    names = inputs.parse_wrt(wrt) or source.order
    _emit(source, compute, text, fmt, digits, quiet, partial=len(names) > 1, jobs=jobs,
          jacobian=True)


def _engine_text(result: Any) -> str:
    """The engine as captions say it: "tape, forward mode" for a Jacobian."""
    return f"{result.engine}, {result.mode} mode" if result.mode else result.engine


def _with_mode(obj: dict[str, Any], result: Any) -> dict[str, Any]:
    """A JSON point object of `jacobian` or `hessian` with its "engine" and "mode"."""
    return {**obj, "engine": result.engine, "mode": result.mode}


@cli.command("hessian", cls=ProgramCommand)
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
    _warn(result.warnings, quiet)
    names_text = [name if index is None else f"{name}[{index}]" for name, index in labels]
    if fmt == "table":
        from adcli.cli import tables

        at = ", ".join(f"{k} = {tables.inline(v, digits)}" for k, v in result.inputs.items())
        tables.console().print(tables.matrix_table(
            matrix, names_text, _title(text), digits,
            f"Hessian at {at}; value {tables.inline(result.value, digits)}; {result.mode}"))
        return
    obj = _with_mode(render.point_object(result), result)
    obj["hessian"] = render.json_value(matrix)
    obj["labels"] = names_text
    _write_structured(obj, [names_text] + [list(map(repr, row.tolist())) for row in matrix],
                      fmt, [render.json_value(row) for row in matrix])


def _write_structured(obj: Any, rows: list[list[str]], fmt: str, plain_rows: Any) -> None:
    from adcli.cli import render

    if fmt == "json":
        sys.stdout.write(render.dumps(obj, indent=2) + "\n")
    elif fmt == "jsonl":
        items = obj if isinstance(obj, list) else [obj]
        sys.stdout.write("".join(render.dumps(item) + "\n" for item in items))
    elif fmt in ("csv", "tsv"):
        delimiter = "," if fmt == "csv" else "\t"
        sys.stdout.write("".join(delimiter.join(row) + "\n" for row in rows))
    else:
        sys.stdout.write("".join(" ".join(map(str, row)) + "\n" for row in plain_rows))


@cli.command("tape", cls=ProgramCommand)
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
    _warn(result.warnings, quiet)
    if fmt == "table":
        from adcli.cli import tables

        tables.console().print(tables.tape_table(rows, _title(text), digits))
        return
    objects = [{"index": r.index, "operation": r.operation, "inputs": list(r.inputs),
                "value": render.json_value(r.value),
                "adjoint": None if r.adjoint is None else render.json_value(r.adjoint),
                "name": r.name} for r in rows]
    header = ["index", "operation", "inputs", "value", "adjoint", "name"]
    lines = [header] + [[str(r.index), r.operation, " ".join(r.inputs),
                         render.plain_line(r.value),
                         render.plain_line(r.adjoint), r.name or ""] for r in rows]
    _write_structured(objects, lines, fmt,
                      [[r.index, r.operation, render.plain_line(r.value),
                        render.plain_line(r.adjoint)] for r in rows])


@cli.command("check", cls=ProgramCommand)
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
    _warn(result.warnings, quiet)
    ok = all(row.ok for row in rows)
    if fmt == "table":
        from adcli.cli import tables

        tables.console().print(tables.check_table(rows, _title(text), digits, tolerance))
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
        _write_structured(obj, lines, fmt, [[render.plain_line(r.automatic),
                                             render.plain_line(r.numeric)] for r in rows])
    if not ok:
        _print_error("check failed: automatic and numeric derivatives disagree")
        sys.exit(1)


@cli.command("plot", cls=ProgramCommand)
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
    _warn(prepared.warnings, quiet)
    if save is not None:
        draw.save(prepared, _title(text), save)
        if not quiet:
            _print_error(f"saved {save}")
        return
    from adcli.cli.tables import unicode_ok

    if color is None:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    click.echo(draw.terminal(prepared, _title(text), draw.terminal_size(), color,
                             unicode_ok()).rstrip("\n"), color=color)


@cli.command("repl")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "plain"]),
              default="table", show_default=True,
              help="How values print (change it in the session with :format).")
@click.option("--digits", type=click.IntRange(1, 17), default=12, show_default=True,
              help="Significant digits in tables.")
@click.option("--max-iterations", type=click.IntRange(1, None), default=None,
              help="Loop iterations and calls one input may run (default 1,000,000); "
                   "Ctrl-C stops a long one.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings.")
def repl_command(fmt: str, digits: int, max_iterations: int | None, quiet: bool) -> None:
    """An interactive session: variables, functions and the tape persist from line
    to line, so a later line can differentiate with respect to an earlier variable.
    Type :help inside for the commands. With standard input from a file or pipe it
    runs the statements without prompts, prints each value, and exits with 1 if any
    failed.

    \b
    Examples:
      adcli repl --format plain
      adcli repl --max-iterations 100000000
    (and in a script: adcli repl < session.ad)
    """
    from adcli.cli import repl

    Settings.interactive = True
    sys.exit(repl.main(fmt, digits, max_iterations, quiet))


@cli.command("taylor", cls=ProgramCommand)
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
        _exact_taylor(text, _exact_texts(ats, source), order, _dir_texts(dirs),
                      _let_texts(lets), of, fmt)
        return
    at: dict[str, Any] = dict(source.fixed)
    let: dict[str, Any] = constants
    if precision is not None:
        at.update(_exact_texts(ats, source))
        let = _let_texts(lets)
    result = api.taylor(api.parse_program(text), at, order, _directions(dirs, constants),
                        precision, let, of)
    _warn(result.warnings, quiet)
    polynomial = render.polynomial(result)
    if fmt == "table":
        from adcli.cli import tables

        console = tables.console()
        console.print(tables.taylor_table(result, _title(text), digits))
        if polynomial is not None:
            # The polynomial on its own line, every digit, wrapped only by the terminal.
            sys.stdout.write(("f ≈ " if tables.unicode_ok() else "f ~ ") + polynomial + "\n")
        return
    obj = render.taylor_object(result, polynomial)
    rows = [["k", "coefficient", "derivative"]] + [
        [str(k), render.plain_line(result.coefficients[k]),
         render.plain_line(result.derivatives[k])] for k in range(order + 1)]
    _write_structured(obj, rows, fmt, [[render.plain_line(result.coefficients[k]),
                                        render.plain_line(result.derivatives[k])]
                                       for k in range(order + 1)])


def _dir_texts(dirs: tuple[str, ...]) -> dict[str, str]:
    from adcli.cli import inputs

    texts: dict[str, str] = {}
    for text in dirs:
        assignment = inputs.split_assignment("--dir", text, "x=1")
        if assignment.name in texts:
            raise inputs.InputError(f"--dir {assignment.name} is given twice")
        texts[assignment.name] = assignment.text
    return texts


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
    _write_structured(obj, rows, fmt, [[c, d] for c, d in pairs])


DIFF_FORMATS = ("text", "plain", "latex", "json")


@cli.command("diff", cls=ProgramCommand)
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
    result = api.diff(api.parse_program(text), inputs.parse_wrt(wrt), order, _let_texts(lets),
                      of)
    _warn(result.warnings, quiet)
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


def main() -> None:
    """The console-script entry point.

    After a one-shot command the process ends with os._exit once its output is
    flushed: tearing down the interpreter (numpy's modules and every other object)
    costs about 14 ms, a tenth of a whole call, and nothing is left to clean up.
    Nothing adcli writes is left open (the caches are written with `with`), and
    the REPL, which owns a terminal, exits the ordinary way."""
    import warnings

    # adcli reports every nan and inf in its own words; numpy's floating-point
    # RuntimeWarnings (with a file and line of adcli's) are not for its users.
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    try:
        cli(prog_name="adcli")
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if isinstance(stop.code, str):
            _print_error(stop.code)
    if Settings.interactive:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        # The reader went away (`adcli ... | head`): as Python does, exit quietly.
        code = code or 1
    os._exit(code)
