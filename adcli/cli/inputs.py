"""Reading what a command works on: the program text and the points to evaluate it at.

One responsibility: turn `PROGRAM | -f FILE | -`, `--at`, `--let`, `--points` and
`--wrt` into a program text, constants and a stream of chunks of points. Values
are adcli expressions, evaluated through the API; `START:STOP:COUNT` ranges form a
cartesian grid; `--points` CSV/TSV files are read in chunks so that memory stays
flat for any number of rows, by numpy, and by the csv module too where a chunk holds
RFC 4180 quotes. Reading a chunk (`PointSource.raw_chunks`: its lines, or its range
of a grid) is apart from parsing it (`PointSource.parse`), so that under --jobs the
parent reads and the worker processes parse. Imports click (for its exception type)
and adcli.api.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import IO, Any

import click

from adcli.engine.lazy_numpy import np

CHUNK_ROWS = 65536


class InputError(click.UsageError):
    """A malformed option: names the option and shows a correct example (exit code 2)."""


# Plain classes, not dataclasses, here and below: making a dataclass costs about a
# millisecond of every call's start-up (issue 15).


class Assignment:
    """NAME=TEXT as given to `option` (--at, --let, --dir)."""

    __slots__ = ("option", "name", "text")

    def __init__(self, option: str, name: str, text: str) -> None:
        self.option, self.name, self.text = option, name, text


class Chunk:
    """Up to CHUNK_ROWS points: each input's values along axis 0, and for a points file
    the rows as written (without line ends) with their delimiter. With `keep_texts`,
    `texts` holds each varying input's points as texts (a precision evaluates them
    exactly, so that 0.1 is the decimal 0.1, not the float64 nearest it). `single`: the
    one point of --at values alone (no grid, no points file)."""

    __slots__ = ("columns", "text", "delimiter", "texts", "single")

    def __init__(self, columns: dict[str, np.ndarray], text: list[str] | None = None,
                 delimiter: str = ",", texts: dict[str, list[str]] | None = None,
                 single: bool = False) -> None:
        self.columns, self.text, self.delimiter = columns, text, delimiter
        self.texts, self.single = texts, single

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 1


def _one_point(value: Any) -> Any:
    """A value as a column of one point: a list for a Python scalar (which needs no
    numpy, see adcli.engine.lazy_numpy), else the array with a new axis 0."""
    if type(value) is float or type(value) is bool:
        return [value]
    return value[np.newaxis]


class PointSource:
    """Fixed inputs, grid axes, or a points file: together, every point to evaluate.
    `ranges`: START, STOP and COUNT of each range as written, when the points' texts are
    kept; `constants`: the --let names, which a points file must not name again."""

    __slots__ = ("fixed", "axes", "points_file", "order", "ranges", "constants")

    def __init__(self, fixed: dict[str, np.ndarray], axes: list[tuple[str, np.ndarray]],
                 points_file: IO[str] | None, order: list[str],
                 ranges: dict[str, tuple[str, str, int]] | None = None,
                 constants: frozenset[str] = frozenset()) -> None:
        self.fixed, self.axes, self.points_file, self.order = fixed, axes, points_file, order
        self.ranges, self.constants = ranges, constants

    @property
    def many(self) -> bool:
        return bool(self.axes) or self.points_file is not None

    def total(self) -> int | None:
        if self.points_file is not None:
            return None
        return math.prod(len(v) for _, v in self.axes) if self.axes else 1

    def chunks(self) -> Iterator[Chunk]:
        """Chunks of points: each maps every input to an array with the points on axis 0."""
        for raw in self.raw_chunks():
            chunk = self.parse(raw)
            if chunk is not None:
                yield chunk
            del raw, chunk  # one chunk in memory at a time

    def raw_chunks(self) -> Iterator[RawChunk]:
        """The chunks as read, before they are parsed (`parse`): the cheap part, which a
        --jobs run does in its parent, handing the rest to its workers. The header of a
        points file is read and checked before the first chunk."""
        if self.points_file is not None:
            yield from self._file_raw_chunks()
            return
        if not self.axes:
            yield RawChunk()
            return
        total = self.total() or 0
        for start in range(0, total, CHUNK_ROWS):
            yield RawChunk(start, min(start + CHUNK_ROWS, total))

    def detached(self) -> PointSource:
        """This source without its points file: what `parse` needs, and can be pickled."""
        return PointSource(self.fixed, self.axes, None, self.order, self.ranges,
                           self.constants)

    def parse(self, raw: RawChunk) -> Chunk | None:
        """The points of a raw chunk; None for lines of a points file that are all blank.
        A row that is not one number per header name is a usage error naming its line."""
        if raw.lines is not None:
            return self._parse_lines(raw)
        if not self.axes:
            return Chunk({name: _one_point(value) for name, value in self.fixed.items()},
                         single=True)
        names = [name for name, _ in self.axes]
        grids = [values for _, values in self.axes]
        index = np.arange(raw.start, raw.stop)
        coordinates = np.unravel_index(index, [len(g) for g in grids])
        chunk = {name: grid[c] for name, grid, c in zip(names, grids, coordinates, strict=True)}
        texts = None
        if self.ranges is not None:
            texts = {name: [_range_point(self.ranges[name], int(i)) for i in c]
                     for name, c in zip(names, coordinates, strict=True)}
        return Chunk(self._with_fixed(chunk, len(index)), texts=texts)

    def _with_fixed(self, chunk: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        merged = {}
        for name in self.order:
            if name in chunk:
                merged[name] = chunk[name]
            else:
                value = np.asarray(self.fixed[name])
                merged[name] = np.broadcast_to(value, (n,) + value.shape)
        for name, column in chunk.items():
            merged.setdefault(name, column)
        return merged

    def _file_raw_chunks(self) -> Iterator[RawChunk]:
        stream = self.points_file
        assert stream is not None
        # A spreadsheet's "CSV UTF-8" starts with a byte order mark: not part of a name.
        header = stream.readline().removeprefix("\ufeff")
        if not header.strip():
            raise InputError("--points: the file is empty; it needs a header row naming the "
                             "inputs, e.g. 'x,y'")
        delimiter = "\t" if "\t" in header else ","
        names = [n.strip() for n in _quoted_fields(header.rstrip("\r\n"), delimiter, 1)]
        for i, name in enumerate(names):
            if not name.isidentifier():
                raise InputError(f"--points: the header names {name!r}, which is not an "
                                 "input name (the first row must name the inputs, e.g. 'x,y')")
            if name in names[:i]:
                raise InputError(f"--points: the header names {name!r} twice")
            if name in self.fixed:
                raise InputError(f"{name} is given by both --points and --at")
            if name in self.constants:
                raise InputError(f"{name} is given by both --points and --let")
        line_number = 1  # the file's lines read so far, blank ones included
        while True:
            lines = list(itertools.islice(stream, CHUNK_ROWS))
            if not lines:
                return
            yield RawChunk(lines=lines, first_line=line_number + 1, names=tuple(names),
                           delimiter=delimiter)
            line_number += len(lines)
            del lines

    def _parse_lines(self, raw: RawChunk) -> Chunk | None:
        names, delimiter = list(raw.names), raw.delimiter
        if isinstance(raw.lines, str) and "\r" not in raw.lines:
            # Packed lines (a --jobs worker's): when numpy reads every one, the texts
            # between the newlines are the rows as written, without their line ends.
            rows = raw.lines.split("\n")
            if not rows[-1]:
                rows.pop()
            table = _read_rows(rows, delimiter, len(names))
            if table is not None and table.shape[0] == len(rows):
                return self._chunk(names, delimiter, rows, table)
            del rows
        lines = raw.line_list()
        table = _read_rows(lines, delimiter, len(names))
        kept = lines
        if table is None or table.shape[0] != len(lines):
            quoted: dict[int, tuple[str, list[str]]] = {}
            if table is None and '"' in "".join(lines):
                # Quoted values (RFC 4180): only a chunk that numpy could not read
                # and that has a quote pays for the csv module.
                lines, quoted = _unquoted(lines, delimiter, names, raw.first_line)
            # Blank lines: drop them, so that rows and their text stay aligned.
            kept = [line for line in lines if line.strip()]
            table = _read_rows(kept, delimiter, len(names))
            if table is None:
                raise InputError(_bad_row(lines, delimiter, names, raw.first_line, quoted))
        if not kept:
            return None
        return self._chunk(names, delimiter, kept, table, ended=True)

    def _chunk(self, names: list[str], delimiter: str, rows: list[str], table: np.ndarray,
               ended: bool = False) -> Chunk:
        """The chunk of a points file's `rows` (with their line ends if `ended`), which
        numpy read as `table`."""
        columns = self._with_fixed({name: table[:, i] for i, name in enumerate(names)},
                                   table.shape[0])
        # The file's own text can stand for the input columns when they are exactly
        # the file's columns, in its order (no --at values mixed in).
        text = None
        if list(columns) == names:
            text = [row.rstrip("\r\n") for row in rows] if ended else rows
        texts = None
        if self.ranges is not None:
            cells = [[cell.strip() for cell in row.split(delimiter)] for row in rows]
            texts = {name: [row[i] for row in cells] for i, name in enumerate(names)}
        return Chunk(columns, text, delimiter, texts)


class RawChunk:
    """A chunk before it is parsed: points `start` to `stop` (excluded) of a grid, the
    single point of fixed inputs (neither given), or lines of a points file from line
    `first_line` on, with the header's names and delimiter. The lines are a list as
    read, or one text (`packed`), which is cheaper to hand to another process. (A
    plain class: a dataclass costs a millisecond at start-up.)"""

    __slots__ = ("start", "stop", "lines", "first_line", "names", "delimiter")

    def __init__(self, start: int = 0, stop: int = 0, lines: list[str] | str | None = None,
                 first_line: int = 0, names: tuple[str, ...] = (),
                 delimiter: str = ",") -> None:
        self.start, self.stop, self.lines = start, stop, lines
        self.first_line, self.names, self.delimiter = first_line, names, delimiter

    def packed(self) -> RawChunk:
        """The same chunk with its lines joined into one text, when `line_list` can split
        them again exactly: when each line but the last ends with a newline, its only one.
        For lines as a text stream reads them (newline None, "", "\n" or "\r\n": a newline
        inside a line makes more newlines than lines), that is when the newlines are as
        many as the lines that end with one, and the first line ends with one (newline
        "\r" ends lines with a carriage return)."""
        lines = self.lines
        if not isinstance(lines, list) or not lines:
            return self
        text = "".join(lines)
        if text.count("\n") != len(lines) - (not lines[-1].endswith("\n")) or \
                (len(lines) > 1 and not lines[0].endswith("\n")):
            return self
        return RawChunk(self.start, self.stop, text, self.first_line, self.names,
                        self.delimiter)

    def line_list(self) -> list[str]:
        """The lines as read, each with its line end."""
        if not isinstance(self.lines, str):
            return self.lines or []
        parts = self.lines.split("\n")
        lines = [part + "\n" for part in parts[:-1]]
        if parts[-1]:
            lines.append(parts[-1])
        return lines


def _range_point(parts: tuple[str, str, int], i: int) -> str:
    """The text of point i of START:STOP:COUNT, exact when evaluated at a precision."""
    start, stop, count = parts
    if count == 1:
        return f"({start})"
    return f"({start}) + (({stop}) - ({start})) * {i} / {count - 1}"


def _read_rows(lines: list[str], delimiter: str, width: int) -> np.ndarray | None:
    """The rows as a table of `width` columns, or None when some row is not that many
    numbers (blank lines are skipped, so the table may have fewer rows than lines)."""
    if not lines:
        return np.zeros((0, width))
    try:
        with warnings.catch_warnings():
            # Lines that are all blank: numpy's "input contained no data" is not for users.
            warnings.simplefilter("ignore", UserWarning)
            table = np.loadtxt(lines, delimiter=delimiter, dtype=np.float64, ndmin=2,
                               comments=None)
    except ValueError:
        return None
    return table if table.shape[1] == width else None


def _bad_row(lines: list[str], delimiter: str, names: list[str], first_line: int,
             quoted: dict[int, tuple[str, list[str]]] | None = None) -> str:
    """The message for the first row of `lines` (line `first_line` of the file onwards)
    that is not one number per header name: its line number, its text and what is wrong.
    A line that was quoted is judged by its values and shown as written (`quoted`)."""
    for offset, line in enumerate(lines):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        text, fields = (quoted or {}).get(offset) or (text, text.split(delimiter))
        problem = _row_problem(text, fields, names, first_line + offset, delimiter)
        if problem is not None:
            return problem
    return (f"--points: a row from line {first_line} on is not {len(names)} numbers "
            f"({delimiter.join(names)})")


def _where(text: str, line_number: int) -> str:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return f"--points: line {line_number}: {shown!r}"


def _row_problem(text: str, fields: list[str], names: list[str], line_number: int,
                 delimiter: str) -> str | None:
    """What is wrong with a row whose values are `fields` (line `line_number` of the file,
    written as `text`), or None when it is one number per header name."""
    where = _where(text, line_number)
    if len(fields) != len(names):
        return (f"{where} has {len(fields)} value{'s' if len(fields) != 1 else ''}, but "
                f"the header names {len(names)} ({delimiter.join(names)})")
    for column, (field, name) in enumerate(zip(fields, names, strict=True), 1):
        if not field.strip():
            return f"{where} has an empty value in column {column} ({name})"
        try:
            float(field)
        except ValueError:
            return f"{where}: {field.strip()!r} in column {column} ({name}) is not a number"
    return None


def _quoted_fields(text: str, delimiter: str, line_number: int) -> list[str]:
    """The values of one line as RFC 4180 reads them: a value in double quotes may hold
    the delimiter, and `""` inside it is one quote; spaces before a value are skipped.
    Malformed quoting is a usage error naming the line."""
    import csv  # only quoted text needs it

    try:
        return next(csv.reader([text], delimiter=delimiter, strict=True,
                               skipinitialspace=True), [])
    except csv.Error as error:
        if "end of data" in str(error):
            why = "a quote is opened but not closed on its line (a value cannot span lines)"
        elif "expected after" in str(error):
            why = "a closing quote must be followed by the delimiter or the end of the line"
        else:
            why = str(error)
        raise InputError(f"{_where(text, line_number)}: malformed quoting: {why} (quote a "
                         f"whole value, as in \"1.5\",2, and write a quote inside quotes "
                         f"as \"\")") from None


def _unquoted(lines: list[str], delimiter: str, names: list[str],
              first_line: int) -> tuple[list[str], dict[int, tuple[str, list[str]]]]:
    """The lines (from line `first_line` of the file on) with the quoting of the lines
    that hold a quote undone, their values joined by the delimiter (other lines are kept
    as they are), and each such line's offset -> (its text as written, its values), for
    the message should a value not be a number. Malformed quoting is a usage error
    naming the line."""
    import csv  # only quoted text needs it

    offsets = [i for i, line in enumerate(lines) if '"' in line]
    texts = [lines[i].rstrip("\r\n") for i in offsets]
    try:
        rows = list(csv.reader(texts, delimiter=delimiter, strict=True,
                               skipinitialspace=True))
    except csv.Error:
        rows = []
    # As many rows as lines: no quote was left open to run on into the next line. Then
    # the values joined hold as many delimiters as they did between them, and no quote:
    # no value held either, so each joined line has the row's values and nothing else.
    joined = [delimiter.join(fields) for fields in rows]
    text = "\n".join(joined)
    if len(rows) != len(texts) or '"' in text or \
            text.count(delimiter) != sum(map(len, rows)) - len(rows):
        # The slow path, for the message about the first line that is wrong: malformed
        # (which _quoted_fields raises), or not one number per name (as a quoted value
        # that holds the delimiter or a quote).
        quoted_at = set(offsets)
        for offset, line in enumerate(lines):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            fields = _quoted_fields(text, delimiter, first_line + offset) \
                if offset in quoted_at else text.split(delimiter)
            problem = _row_problem(text, fields, names, first_line + offset, delimiter)
            if problem is not None:
                raise InputError(problem)
        raise InputError(f"--points: malformed quoting from line {first_line} on")
    result = list(lines)
    for offset, line in zip(offsets, joined, strict=True):
        result[offset] = line + "\n"
    return result, dict(zip(offsets, zip(texts, rows, strict=True), strict=True))


def matching_files(patterns: str | Sequence[str]) -> list[str]:
    """The files matching the globs (`**` across directories), sorted, each once.

    Raises InputError when a pattern matches no file."""
    import glob  # here: only --points with a glob needs it

    found: dict[str, None] = {}
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        matches = sorted(p for p in glob.glob(os.path.expanduser(pattern), recursive=True)
                         if os.path.isfile(p))
        if not matches:
            raise InputError(f"--points {pattern}: no file matches it")
        found.update(dict.fromkeys(matches))
    return list(found)


class PointsFiles:
    """The files a `--points` glob matches (`data/*.csv`), read as one stream in the
    order of their sorted names: the first file's header row, then every file's rows.
    Each later file must start with the same header (it is skipped); line numbers in
    errors count the lines of all the files in that order."""

    def __init__(self, pattern: str, paths: list[str]) -> None:
        self.name = pattern
        self.paths = paths
        self._lines = self._read()

    def readline(self) -> str:
        return next(self._lines, "")

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def close(self) -> None:
        self._lines.close()

    def _read(self) -> Iterator[str]:
        header: str | None = None
        for path in self.paths:
            try:
                with open(path, encoding="utf-8") as stream:
                    first = stream.readline()
                    if not first.strip():
                        raise InputError(f"--points {self.name}: {path} is empty; every "
                                         "file needs the header row naming the inputs")
                    if header is None:
                        header = first
                        yield first
                    elif first.removeprefix("\ufeff").strip() != \
                            header.removeprefix("\ufeff").strip():
                        raise InputError(
                            f"--points {self.name}: {path} starts with the header "
                            f"{first.strip()!r}, not {header.strip()!r} as {self.paths[0]} "
                            "does; the files of a glob must name the same inputs")
                    yield from stream
            except OSError as error:
                raise InputError(f"--points {path}: {error.strerror or error}") from None


def _is_stdin(stream: IO[str] | None) -> bool:
    return stream is not None and getattr(stream, "name", None) in ("<stdin>", "-")


def read_program(program: str | None, file: IO[str] | None,
                 points: IO[str] | None = None) -> str:
    """The program text from the argument, `-f FILE`, or standard input for `-`."""
    if file is not None and program is not None:
        raise InputError("give the program either as an argument or with -f FILE, not both")
    if _is_stdin(points) and (program == "-" or _is_stdin(file)):
        raise InputError("standard input can hold the program or the points, not both: "
                         "give the program as an argument or with -f FILE, e.g. "
                         'adcli grad "sin(x)" --points -')
    if file is not None:
        return file.read()
    if program is None:
        raise InputError(f"missing PROGRAM: give it as an argument ({_example()}), "
                         "with -f FILE, or as - to read standard input")
    if program == "-":
        return sys.stdin.read()
    return program


def _example() -> str:
    """A call of the running command with a program, for a message."""
    context = click.get_current_context(silent=True)
    command = context.info_name if context is not None and context.info_name else "grad"
    if command == "diff":
        return 'adcli diff "x*x"'
    if command == "plot":
        return 'adcli plot "x*x" --over x=-1:1'
    return f'adcli {command} "x*x" --at x=1'


def split_assignment(option: str, text: str, example: str) -> Assignment:
    """`NAME=VALUE` -> Assignment, or a usage error naming the option with an example."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not value.strip():
        raise InputError(f"{option} {text!r} needs NAME=VALUE, for example {option} {example}")
    if not name.isidentifier():
        raise InputError(f"{option} {text!r}: {name!r} is not a valid name; for example "
                         f"{option} {example}")
    return Assignment(option, name, value.strip())


def _top_level_colons(text: str) -> list[int]:
    depth, positions = 0, []
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == ":" and depth == 0:
            positions.append(i)
    return positions


def evaluate_value(assignment: Assignment, constants: dict[str, Any]) -> np.ndarray:
    from adcli.api import parse_value
    from adcli.errors import AdcliError

    try:
        return parse_value(assignment.text, let=constants, scalars=True)
    except AdcliError as error:
        raise InputError(f"{assignment.option} {assignment.name}={assignment.text}: "
                         f"{error.message}") from None


def parse_range(assignment: Assignment, constants: dict[str, Any]) -> np.ndarray | None:
    """The points of `START:STOP:COUNT`, or None when the value is not a range."""
    colons = _top_level_colons(assignment.text)
    if not colons:
        return None
    example = f"{assignment.option} {assignment.name}=0:1:11 (11 points from 0 to 1)"
    if len(colons) != 2:
        raise InputError(f"{assignment.option} {assignment.name}={assignment.text}: a range "
                         f"needs START:STOP:COUNT, for example {example}")
    a, b = colons
    parts = [assignment.text[:a], assignment.text[a + 1:b], assignment.text[b + 1:]]
    values = []
    for part in parts:
        if not part.strip():
            raise InputError(f"{assignment.option} {assignment.name}={assignment.text}: a range "
                             f"needs START:STOP:COUNT, for example {example}")
        value = evaluate_value(Assignment(assignment.option, assignment.name, part), constants)
        if type(value) is not float and value.size != 1:
            raise InputError(f"{assignment.option} {assignment.name}: range bounds must be "
                             f"numbers, for example {example}")
        values.append(value if type(value) is float else float(value.reshape(())))
    start, stop, count = values
    if not (np.isfinite(start) and np.isfinite(stop)):
        raise InputError(f"{assignment.option} {assignment.name}: range bounds must be finite "
                         f"numbers, for example {example}")
    if not count.is_integer() or count < 1:
        raise InputError(f"{assignment.option} {assignment.name}: COUNT must be a whole number "
                         f"of 1 or more, for example {example}")
    from adcli.lang import default_limits

    limit = default_limits().max_tensor_elements
    if count > limit:  # the range is held as one array of its points
        raise InputError(f"{assignment.option} {assignment.name}: {count:,.0f} points are more "
                         f"than the limit of {limit:,} elements (adcli --max-elements N "
                         f"raises it), for example {example}")
    try:
        if np.isfinite(stop - start):
            return np.linspace(start, stop, int(count))
        # STOP - START overflows float64 (e.g. -1e308:1e308): step by the halves.
        halves = np.linspace(start / 2, stop / 2, int(count))
    except (MemoryError, ValueError):
        raise InputError(f"{assignment.option} {assignment.name}: {count:g} points are too many "
                         f"to hold in memory, for example {example}") from None
    return halves * 2


def parse_constants(lets: tuple[str, ...]) -> dict[str, np.ndarray]:
    constants: dict[str, Any] = {}
    for text in lets:
        assignment = split_assignment("--let", text, "n=10")
        constants[assignment.name] = evaluate_value(assignment, constants)
    return constants


def parse_points(ats: tuple[str, ...], points: IO[str] | None,
                 constants: dict[str, Any], allow_ranges: bool = True,
                 keep_texts: bool = False) -> PointSource:
    """The points of --at values and ranges, or of a points file; with `keep_texts` each
    chunk also carries the texts its points were written as."""
    fixed: dict[str, np.ndarray] = {}
    ranges: dict[str, tuple[str, str, int]] = {}
    axes: list[tuple[str, np.ndarray]] = []
    order: list[str] = []
    for text in ats:
        assignment = split_assignment("--at", text, "x=1")
        if assignment.name in order:
            raise InputError(f"--at {assignment.name} is given twice")
        if assignment.name in constants:
            raise InputError(f"{assignment.name} is given by both --at and --let")
        order.append(assignment.name)
        grid = parse_range(assignment, constants)
        if grid is not None:
            if not allow_ranges:
                raise InputError(f"--at {text}: this command works at one point, not a range")
            axes.append((assignment.name, grid))
            a, b = _top_level_colons(assignment.text)
            ranges[assignment.name] = (assignment.text[:a].strip(),
                                       assignment.text[a + 1:b].strip(), len(grid))
        else:
            fixed[assignment.name] = evaluate_value(assignment, constants)
    if math.prod(len(grid) for _, grid in axes) >= 2**63:
        raise InputError("the grid has " + " x ".join(f"{len(g):,}" for _, g in axes)
                         + " points, more than a stream can number; give fewer points per "
                         "range")
    if points is not None and axes:
        raise InputError("use either --points or ranges in --at, not both")
    return PointSource(fixed, axes, points, order, ranges if keep_texts else None,
                       frozenset(constants))


def parse_wrt(wrt: str | None) -> list[str] | None:
    if wrt is None:
        return None
    if not wrt.strip():
        raise InputError("--wrt needs at least one name, for example --wrt x,y")
    names = [n.strip() for n in wrt.split(",")]
    for name in names:
        if not name.isidentifier():
            raise InputError(f"--wrt {wrt!r}: {name!r} is not a name; for example --wrt x,y")
    if len(set(names)) != len(names):
        raise InputError(f"--wrt {wrt!r} names a variable twice")
    return names


def parse_over(overs: tuple[str, ...], samples: int, lets: tuple[str, ...],
               ats: tuple[str, ...] = ()) -> tuple[dict[str, np.ndarray], str, np.ndarray]:
    """`plot --over NAME=START:STOP[:COUNT] --let ...` -> (the constants, NAME, the points:
    --samples of them unless COUNT is given). `--at NAME=START:STOP[:COUNT]`, the range
    syntax of the other commands, is the same as --over. A plot is over one variable: a
    second range, a --at that is not a range, or a range in --let, is a usage error that
    says so."""
    example = "--over x=-3:3"
    if not overs and not ats:
        raise InputError(f"plot needs the variable and its range, for example {example} "
                         f"(or --at x=-3:3)")
    assignments = [split_assignment("--over", text, "x=-3:3") for text in overs]
    assignments += [split_assignment("--at", text, "x=-3:3") for text in ats]
    for given in assignments:
        if given.option == "--at" and not _top_level_colons(given.text):
            raise InputError(f"--at {given.name}={given.text}: a plot is over one variable "
                             f"with a range, for example --at x=-3:3; give other names a "
                             f"value with --let, e.g. --let {given.name}={given.text}")
    if len(assignments) > 1:
        names = ", ".join(a.name for a in assignments)
        options = list(dict.fromkeys(a.option for a in assignments))
        given = f"{options[0]} is given {len(assignments)} times" if len(options) == 1 \
            else f"--over and --at give {len(assignments)} ranges"
        raise InputError(f"a plot is over one variable, but {given} ({names}); give the "
                         f"others a value with --let, e.g. --let {assignments[1].name}=1")
    for text in lets:
        if _top_level_colons(text.partition("=")[2]):
            raise InputError(f"a plot is over one variable, but --let {text} is a range; "
                             f"give it one value, e.g. --let {text.partition('=')[0]}=1")
    constants = parse_constants(lets)
    over = assignments[0]
    option = over.option
    example = f"{option} x=-3:3"
    if over.name in constants:
        raise InputError(f"{over.name} is given by both {option} and --let")
    colons = _top_level_colons(over.text)
    if not colons or len(colons) > 2:
        raise InputError(f"{option} {over.name}={over.text} needs a range START:STOP, for "
                         f"example {option} {over.name}=-3:3 (or START:STOP:COUNT)")
    text = over.text if len(colons) > 1 else f"{over.text}:{samples}"
    grid = parse_range(Assignment(option, over.name, text), constants)
    assert grid is not None
    if grid.size < 2 or grid[0] == grid[-1]:
        raise InputError(f"{option} {over.name}={over.text}: a plot needs at least two "
                         f"different points, for example {example}")
    if not np.isfinite(float(grid[-1]) - float(grid[0])):
        raise InputError(f"{option} {over.name}={over.text}: the range is wider than float64 "
                         f"can span (STOP - START overflows), for example {example}")
    return constants, over.name, grid


def parse_limits(option: str, text: str) -> tuple[float, float]:
    """`LOW:HIGH` (numbers or expressions such as -pi:pi) -> (low, high), low < high."""
    example = f"{option} -2:2"
    colons = _top_level_colons(text)
    if len(colons) != 1:
        raise InputError(f"{option} {text!r} needs LOW:HIGH, for example {example}")
    bounds = []
    for part in (text[:colons[0]], text[colons[0] + 1:]):
        if not part.strip():
            raise InputError(f"{option} {text!r} needs LOW:HIGH, for example {example}")
        from adcli.api import parse_value
        from adcli.errors import AdcliError

        try:
            value = parse_value(part)
        except AdcliError as error:
            raise InputError(f"{option} {text}: {error.message}") from None
        if value.size != 1 or not np.isfinite(value):
            raise InputError(f"{option} {text!r}: the limits must be finite numbers, for "
                             f"example {example}")
        bounds.append(float(value.reshape(())))
    low, high = bounds
    if not low < high:
        raise InputError(f"{option} {text!r}: LOW must be less than HIGH, for example "
                         f"{example}")
    return low, high
