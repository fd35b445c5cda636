"""Machine-readable output: JSON, JSON lines, CSV, TSV and plain numbers.

One responsibility: turn API results (`Result`, `Batch`) into text for scripts,
with full round-trip precision (Python's shortest repr of each float) and the
JSON contract documented in the README; also the titles of tables and plots. It
never imports rich, so that scripted calls start fast. Derivative labels (`df/dx`,
`d2f/dxdy`) are the API's `label`, shared with the tables, the plots and the API's
own warnings. A stream of points is written by an `Output`, one chunk's batch at a
time: the text of a chunk depends on that chunk alone, so that a --jobs worker
renders it and the parent only writes it. Imports numpy and the API.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable
from typing import IO, Any

from adcli.api import Batch, Result, label
from adcli.engine.lazy_numpy import np

_RAW = "@@adcli-decimal:"

# Rows of CSV or TSV formatted at a time (see delimited_piece).
_SLICE_ROWS = 8192


def is_decimal(value: Any) -> bool:
    """Whether `value` is a decimal.Decimal (a result at --precision D), without importing
    decimal: no value can be one before something imported it."""
    decimal = sys.modules.get("decimal")
    return decimal is not None and isinstance(value, decimal.Decimal)


def number(value: Any) -> Any:
    """A JSON-ready number: floats keep every digit; nan and infinities become strings.
    A Decimal (a result at --precision D) keeps its D digits: `dumps` writes it as raw
    JSON number text, which may be as long as it needs."""
    if is_decimal(value):
        if value.is_nan():
            return "nan"
        if value.is_infinite():
            return "inf" if value > 0 else "-inf"
        return _RAW + str(value) + "@@"
    if type(value) is float:
        pass  # the common case first: a Python float needs no numpy
    elif isinstance(value, bool) or isinstance(value, np.bool_):
        return bool(value)
    value = float(value)
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return value


def dumps(obj: Any, indent: int | None = None) -> str:
    """json.dumps, with Decimals as raw number text (json can only write floats)."""
    import json  # here, not at the top: plain and CSV output never need it

    text = json.dumps(obj, indent=indent)
    if _RAW not in text:
        return text
    return re.sub('"' + re.escape(_RAW) + r'([^"@]*)@@"', r"\1", text)


def decimal_text(value: Any) -> str:
    """A number at full precision for CSV and plain text: Decimals as their digits."""
    if is_decimal(value):
        return "nan" if value.is_nan() else ("inf" if value > 0 else "-inf") \
            if value.is_infinite() else str(value)
    return repr(float(value))


def json_value(array: Any) -> Any:
    """A number, or nested lists of numbers for a tensor."""
    if type(array) is float or type(array) is bool:
        return number(array)
    array = np.asarray(array)
    if array.ndim == 0:
        return number(array[()])
    return [json_value(item) for item in array]


def point_object(result: Result) -> dict[str, Any]:
    """One point in the JSON contract: inputs, value, derivatives, warnings."""
    derivatives = []
    for d in result.derivatives:
        entry: dict[str, Any] = {"wrt": list(d.wrt), "order": d.order,
                                 "value": None if d.value is None else json_value(d.value)}
        if d.value is None:
            entry["reason"] = d.reason
        derivatives.append(entry)
    return {
        "inputs": {name: json_value(v) for name, v in result.inputs.items()},
        "value": json_value(result.value),
        "derivatives": derivatives,
        "warnings": list(result.warnings),
    }


def write_json(batches: Iterable[Batch], out: IO[str], single: bool) -> None:
    """One object for a single point, else one array of objects (streamed)."""
    output = JsonOutput(single)
    output.open(out)
    for batch in batches:
        output.write(out, output.piece(batch))
        if single:
            break
    output.close(out)


def write_jsonl(batches: Iterable[Batch], out: IO[str]) -> None:
    output = JsonLinesOutput()
    for batch in batches:
        output.write(out, output.piece(batch))


def _entry_names(base: str, shape: tuple[int, ...]) -> list[str]:
    if not shape:
        return [base]
    return [f"{base}[{','.join(map(str, index))}]" for index in np.ndindex(*shape)]


def columns(batch: Batch) -> list[tuple[str, np.ndarray | None, np.ndarray | None]]:
    """The CSV/TSV columns of a batch, as (header, values with one row per point and one
    column per entry, the points where the value is none or None); adcli.dask names
    its DataFrame's columns with these headers."""
    n = len(batch)
    table: list[tuple[str, np.ndarray | None, np.ndarray | None]] = []

    def add(base: str, values: np.ndarray | None, shape: tuple[int, ...],
            missing: np.ndarray | None = None) -> None:
        flat = None if values is None else np.asarray(values).reshape(n, -1)
        for k, name in enumerate(_entry_names(base, shape)):
            table.append((name, None if flat is None else flat[:, k], missing))

    for name, values in batch.inputs.items():
        add(name, values, values.shape[1:])
    add("f", batch.value, batch.value.shape[1:])
    for d in batch.derivatives:
        shape = np.shape(d.value)[1:] if d.value is not None else (d.shape or ())
        add(label(d.wrt), d.value, shape, d.missing)
    return table


def _format_column(values: np.ndarray | None, n: int,
                   missing: np.ndarray | None = None) -> list[str]:
    if values is None:
        return ["none"] * n
    if values.dtype.kind == "b":
        texts = ["true" if v else "false" for v in values.tolist()]
    elif values.dtype == object:
        texts = [decimal_text(v) for v in values.tolist()]
    else:
        texts = list(map(repr, np.asarray(values, dtype=np.float64).tolist()))
    if missing is not None:
        texts = ["none" if m else t for t, m in zip(texts, missing.tolist(), strict=True)]
    return texts


def write_delimited(batches: Iterable[tuple[Batch, list[str] | None]], out: IO[str],
                    delimiter: str) -> None:
    """CSV or TSV: a header row, then one row per point with every digit of each number.

    Each batch may come with the text of its input columns as the user wrote them
    (the rows of a points file with this delimiter); they are copied, not re-printed,
    which is both exact and the cheapest way through a long stream."""
    output = DelimitedOutput(delimiter)
    for batch, input_text in batches:
        output.write(out, delimited_piece(batch, input_text, delimiter))
        del batch, input_text  # before the next chunk is made


def delimited_piece(batch: Batch, input_text: list[str] | None,
                    delimiter: str) -> tuple[str, str]:
    """One batch as CSV or TSV: (its header line, its rows), each line with its newline.
    `input_text` is the text of its input columns as written, or None."""
    table = columns(batch)
    header = delimiter.join(name for name, *_ in table) + "\n"
    n = len(batch)
    if not n:
        return header, ""
    copied = input_text is not None and len(input_text) == n
    if copied:
        inputs = sum(int(np.prod(v.shape[1:])) for v in batch.inputs.values())
        table = table[inputs:]
    rows = []
    # A slice of rows at a time: the texts of every number of a whole chunk at once
    # would take several times the memory of the chunk's output.
    for start in range(0, n, _SLICE_ROWS):
        stop = min(start + _SLICE_ROWS, n)
        texts = [_format_column(None if values is None else values[start:stop], stop - start,
                                None if missing is None else missing[start:stop])
                 for _, values, missing in table]
        if copied:
            assert input_text is not None
            texts.insert(0, input_text[start:stop])
        # One join over a C-level map: the row loop is the hot path of a long stream.
        rows.append("\n".join(map(delimiter.join, zip(*texts, strict=True))))
        del texts
    return header, "\n".join(rows) + "\n"


def plain_line(values: Any) -> str:
    """A value as one line of bare numbers (a tensor's entries space-separated)."""
    if values is None:
        return "none"
    if type(values) is float:
        return repr(values)
    if type(values) is bool:
        return "true" if values else "false"
    array = np.asarray(values)
    if array.dtype.kind == "b":
        return " ".join("true" if v else "false" for v in array.reshape(-1).tolist())
    if array.dtype == object:
        return " ".join(decimal_text(v) for v in array.reshape(-1).tolist())
    return " ".join(map(repr, array.astype(np.float64).reshape(-1).tolist()))


def write_plain(batches: Iterable[Batch], out: IO[str], single: bool) -> None:
    """Bare numbers: one point gives the value then each derivative, one per line (a
    tensor's entries space-separated on its line); many points give one line each."""
    output = PlainOutput(single)
    for batch in batches:
        output.write(out, output.piece(batch))


def plain_piece(batch: Batch, single: bool) -> str:
    """The lines `write_plain` writes for one batch."""
    texts = []
    for i in range(len(batch)):
        result = batch.point(i)
        lines = [plain_line(result.value)] + [
            plain_line(d.value) if d.value is not None
            else " ".join(["none"] * max(1, math.prod(d.shape or ())))
            for d in result.derivatives]
        texts.append(("\n".join(lines) if single else " ".join(lines)) + "\n")
    return "".join(texts)


# Text as a --jobs worker hands it back: encoded already (see put).
Text = str | bytes | memoryview


def put(out: IO[str], text: Text) -> None:
    """Write text, or text a --jobs worker encoded already in `out`'s encoding (bytes,
    or a view of them): that goes straight to its buffer, after the text written before
    it."""
    if isinstance(text, str):
        out.write(text)
    else:
        out.flush()
        out.buffer.write(text)


class Output:
    """An output streamed one chunk of points at a time. `open` starts it; `piece` turns
    a chunk's batch into text, from the batch and the output's settings alone, so that
    it runs as well in a --jobs worker process; `write` writes the pieces in the chunks'
    order, and `close` ends the output.

    `chunk` is the chunk the batch was computed from (its `text` and `delimiter` are the
    rows of a points file as written), or None."""

    def open(self, out: IO[str]) -> None:
        """Write what starts the output, before the first chunk is computed."""

    def piece(self, batch: Batch, chunk: Any = None) -> Any:
        raise NotImplementedError

    def write(self, out: IO[str], piece: Any) -> None:
        put(out, piece)

    def close(self, out: IO[str]) -> None:
        """Write what ends the output (nothing, unless the format has an ending)."""


class DelimitedOutput(Output):
    """CSV or TSV: the header of the first chunk, then every chunk's rows."""

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.header_written = False

    def piece(self, batch: Batch, chunk: Any = None) -> tuple[str, str]:
        same = chunk is not None and chunk.delimiter == self.delimiter
        return delimited_piece(batch.with_arrays(), chunk.text if same else None,
                               self.delimiter)

    def write(self, out: IO[str], piece: tuple[Text, Text]) -> None:
        header, rows = piece
        if not self.header_written:
            put(out, header)
            self.header_written = True
        if rows:
            put(out, rows)


class JsonOutput(Output):
    """Many points: a JSON array of point objects, streamed (`[`, the objects, `]`). One
    point (`single`): its object, indented."""

    def __init__(self, single: bool = False) -> None:
        self.single = single
        self.first = True

    def open(self, out: IO[str]) -> None:
        if not self.single:
            out.write("[")

    def piece(self, batch: Batch, chunk: Any = None) -> str:
        if self.single:
            return dumps(point_object(batch.point(0)), indent=2) + "\n"
        return ",\n  ".join(dumps(point_object(batch.point(i))) for i in range(len(batch)))

    def write(self, out: IO[str], piece: Text) -> None:
        if self.single:
            if self.first:
                put(out, piece)
        elif piece:
            separator = "\n  " if self.first else ",\n  "
            if isinstance(piece, str):
                out.write(separator + piece)
            else:
                out.write(separator)
                put(out, piece)
        self.first = self.first and not piece

    def close(self, out: IO[str]) -> None:
        if not self.single:
            out.write("\n]\n")


class CollectedJsonOutput(Output):
    """Point objects with their "engine" and "mode" (`jacobian`'s JSON), written once
    every point is computed: as a JSON array (`array`), else one per line, indented when
    `indent` (a single point in JSON)."""

    def __init__(self, array: bool, indent: bool) -> None:
        self.array, self.indent = array, indent
        self.lines: list[str] = []

    def piece(self, batch: Batch, chunk: Any = None) -> list[str]:
        return [dumps({**point_object(batch.point(i)), "engine": batch.engine,
                       "mode": batch.mode}, 2 if self.indent else None)
                for i in range(len(batch))]

    def write(self, out: IO[str], piece: list[str]) -> None:
        self.lines.extend(piece)

    def close(self, out: IO[str]) -> None:
        if self.array:
            out.write("[\n  " + ",\n  ".join(self.lines) + "\n]\n")
        else:
            out.write("".join(line + "\n" for line in self.lines))


class JsonLinesOutput(Output):
    """One point object per line."""

    def piece(self, batch: Batch, chunk: Any = None) -> str:
        return "".join(dumps(point_object(batch.point(i))) + "\n" for i in range(len(batch)))


class PlainOutput(Output):
    """Bare numbers (`write_plain`)."""

    def __init__(self, single: bool) -> None:
        self.single = single

    def piece(self, batch: Batch, chunk: Any = None) -> str:
        return plain_piece(batch, self.single)


def polynomial(result: Any) -> str | None:
    """The Taylor polynomial written out, for a single-valued program: in (x - a) for one
    input along 1, else in t for f(a + t v). None for a tensor value."""
    coefficients = result.coefficients
    if np.shape(coefficients)[1:] != ():
        return None
    names = list(result.inputs)
    one_input = len(names) == 1 and np.shape(result.inputs[names[0]]) == () and all(
        float(v) == 1.0 for v in result.direction.values())
    if one_input:
        point = np.asarray(result.inputs[names[0]]).reshape(())[()]
        text = decimal_text(point) if is_decimal(point) else repr(float(point))
        variable = names[0] if float(point) == 0 else f"({names[0]} - {text})"
        if float(point) < 0:
            variable = f"({names[0]} + {text.lstrip('-')})"
    else:
        variable = "t"
    terms = []
    for k, c in enumerate(coefficients.tolist()):
        if float(c) == 0:
            continue
        number = decimal_text(c) if is_decimal(c) else repr(float(c))
        sign = "-" if number.startswith("-") else "+"
        number = number.lstrip("-")
        power = "" if k == 0 else (variable if k == 1 else f"{variable}^{k}")
        term = number if k == 0 else (power if number in ("1", "1.0") else f"{number}*{power}")
        terms.append((sign, term))
    if not terms:
        return "0"
    first_sign, first = terms[0]
    return ("-" if first_sign == "-" else "") + first + "".join(
        f" {sign} {term}" for sign, term in terms[1:])


def taylor_object(result: Any, polynomial_text: str | None) -> dict[str, Any]:
    """`adcli taylor` in JSON: the point, direction, coefficients, derivatives, polynomial."""
    return {
        "inputs": {name: json_value(v) for name, v in result.inputs.items()},
        "direction": {name: json_value(v) for name, v in result.direction.items()},
        "order": result.order,
        "precision": result.precision,
        "engine": result.engine,
        "coefficients": [json_value(c) for c in result.coefficients],
        "derivatives": [json_value(d) for d in result.derivatives],
        "polynomial": polynomial_text,
        "warnings": list(result.warnings),
    }


def title(program: str) -> str:
    """A table's title: a one-line program as it is, else its first line and its length,
    so that a long program does not make every table as wide as the program."""
    lines = [line.rstrip() for line in program.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    title = lines[0] if len(lines) == 1 else f"{lines[0]} ... ({len(lines)} lines)"
    return title if len(title) <= 80 else title[:77] + "..."


def engine_text(result: Any) -> str:
    """The engine as captions say it: "tape, forward mode" for a Jacobian."""
    return f"{result.engine}, {result.mode} mode" if result.mode else result.engine


def with_mode(obj: dict[str, Any], result: Any) -> dict[str, Any]:
    """A JSON point object of `jacobian` or `hessian` with its "engine" and "mode"."""
    return {**obj, "engine": result.engine, "mode": result.mode}


def write_structured(obj: Any, rows: list[list[str]], fmt: str, plain_rows: Any) -> None:
    """Write a command's output that is not a stream of points (hessian, tape, check,
    taylor): `obj` as JSON or JSON lines (each item of a list on its line), `rows` as
    CSV or TSV (a header row first), `plain_rows` as space-separated lines."""
    if fmt == "json":
        sys.stdout.write(dumps(obj, indent=2) + "\n")
    elif fmt == "jsonl":
        items = obj if isinstance(obj, list) else [obj]
        sys.stdout.write("".join(dumps(item) + "\n" for item in items))
    elif fmt in ("csv", "tsv"):
        delimiter = "," if fmt == "csv" else "\t"
        sys.stdout.write("".join(delimiter.join(row) + "\n" for row in rows))
    else:
        sys.stdout.write("".join(" ".join(map(str, row)) + "\n" for row in plain_rows))
