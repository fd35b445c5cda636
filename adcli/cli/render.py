"""Machine-readable output: JSON, JSON lines, CSV, TSV and plain numbers.

One responsibility: turn API results (`Result`, `Batch`) into text for scripts,
with full round-trip precision (Python's shortest repr of each float) and the
JSON contract documented in the README. It never imports rich, so that scripted
calls start fast. Derivative labels (`df/dx`, `d2f/dxdy`) are the API's `label`,
shared with the tables, the plots and the API's own warnings. Imports numpy and
the API.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

import numpy as np

from adcli.api import Batch, Result, label

_RAW = "@@adcli-decimal:"


def number(value: Any) -> Any:
    """A JSON-ready number: floats keep every digit; nan and infinities become strings.
    A Decimal (a result at --precision D) keeps its D digits: `dumps` writes it as raw
    JSON number text, which may be as long as it needs."""
    if isinstance(value, Decimal):
        if value.is_nan():
            return "nan"
        if value.is_infinite():
            return "inf" if value > 0 else "-inf"
        return _RAW + str(value) + "@@"
    if isinstance(value, (bool, np.bool_)):
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
    if isinstance(value, Decimal):
        return "nan" if value.is_nan() else ("inf" if value > 0 else "-inf") \
            if value.is_infinite() else str(value)
    return repr(float(value))


def json_value(array: Any) -> Any:
    """A number, or nested lists of numbers for a tensor."""
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
    if single:
        batch = next(iter(batches))
        out.write(dumps(point_object(batch.point(0)), indent=2) + "\n")
        return
    out.write("[")
    first = True
    for batch in batches:
        for i in range(len(batch)):
            out.write(("\n  " if first else ",\n  ") + dumps(point_object(batch.point(i))))
            first = False
    out.write("\n]\n")


def write_jsonl(batches: Iterable[Batch], out: IO[str]) -> None:
    for batch in batches:
        out.write("".join(dumps(point_object(batch.point(i))) + "\n"
                          for i in range(len(batch))))


def _entry_names(base: str, shape: tuple[int, ...]) -> list[str]:
    if not shape:
        return [base]
    return [f"{base}[{','.join(map(str, index))}]" for index in np.ndindex(*shape)]


def _columns(batch: Batch) -> list[tuple[str, np.ndarray | None, np.ndarray | None]]:
    """(header, values with one row per point and one column per entry, the points where
    the value is none or None)."""
    n = len(batch)
    columns: list[tuple[str, np.ndarray | None, np.ndarray | None]] = []

    def add(base: str, values: np.ndarray | None, shape: tuple[int, ...],
            missing: np.ndarray | None = None) -> None:
        flat = None if values is None else np.asarray(values).reshape(n, -1)
        for k, name in enumerate(_entry_names(base, shape)):
            columns.append((name, None if flat is None else flat[:, k], missing))

    for name, values in batch.inputs.items():
        add(name, values, values.shape[1:])
    add("f", batch.value, batch.value.shape[1:])
    for d in batch.derivatives:
        shape = np.shape(d.value)[1:] if d.value is not None else (d.shape or ())
        add(label(d.wrt), d.value, shape, d.missing)
    return columns


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
    header_written = False
    for batch, input_text in batches:
        columns = _columns(batch)
        if not header_written:
            out.write(delimiter.join(name for name, *_ in columns) + "\n")
            header_written = True
        n = len(batch)
        if not n:
            continue
        if input_text is not None and len(input_text) == n:
            inputs = sum(int(np.prod(v.shape[1:])) for v in batch.inputs.values())
            texts = [input_text] + [_format_column(values, n, missing)
                                    for _, values, missing in columns[inputs:]]
        else:
            texts = [_format_column(values, n, missing) for _, values, missing in columns]
        # One join over a C-level map: the row loop is the hot path of a long stream.
        out.write("\n".join(map(delimiter.join, zip(*texts, strict=True))) + "\n")
        del batch, input_text, columns, texts  # before the next chunk is made


def plain_line(values: Any) -> str:
    """A value as one line of bare numbers (a tensor's entries space-separated)."""
    if values is None:
        return "none"
    array = np.asarray(values)
    if array.dtype.kind == "b":
        return " ".join("true" if v else "false" for v in array.reshape(-1).tolist())
    if array.dtype == object:
        return " ".join(decimal_text(v) for v in array.reshape(-1).tolist())
    return " ".join(map(repr, array.astype(np.float64).reshape(-1).tolist()))


def write_plain(batches: Iterable[Batch], out: IO[str], single: bool) -> None:
    """Bare numbers: one point gives the value then each derivative, one per line (a
    tensor's entries space-separated on its line); many points give one line each."""
    for batch in batches:
        for i in range(len(batch)):
            result = batch.point(i)
            lines = [plain_line(result.value)] + [
                plain_line(d.value) if d.value is not None
                else " ".join(["none"] * max(1, math.prod(d.shape or ())))
                for d in result.derivatives]
            out.write(("\n".join(lines) if single else " ".join(lines)) + "\n")


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
        text = decimal_text(point) if isinstance(point, Decimal) else repr(float(point))
        variable = names[0] if float(point) == 0 else f"({names[0]} - {text})"
        if float(point) < 0:
            variable = f"({names[0]} + {text.lstrip('-')})"
    else:
        variable = "t"
    terms = []
    for k, c in enumerate(coefficients.tolist()):
        if float(c) == 0:
            continue
        number = decimal_text(c) if isinstance(c, Decimal) else repr(float(c))
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
