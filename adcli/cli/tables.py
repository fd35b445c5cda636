"""Tables for people: rich renderings of values, derivatives, tapes, checks and matrices.

One responsibility: human-readable output. Numbers get up to `digits` significant
digits and are never cut short (numeric columns fold instead of truncating);
tensors are shown as grids. Colour only on a terminal, and never with NO_COLOR
(rich honours it). This is the only module that imports rich; it is imported only
when a table is printed, so scripted output starts faster.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from adcli.api import Batch, label
from adcli.cli.render import is_decimal

if TYPE_CHECKING:
    from adcli.api import CheckRow, TapeRow
from adcli.engine.lazy_numpy import np

# Spaces at the end of a line, with any colour codes among or after them (kept).
_TRAILING = re.compile(r"(?:[ \t]|\x1b\[[0-9;]*m)+$", re.MULTILINE)


def _keep_codes(match: re.Match[str]) -> str:
    return match.group().replace(" ", "").replace("\t", "")


class TrimmedConsole(Console):
    """A rich Console whose lines end without the spaces rich pads titles, captions and
    justified text with up to the table's width: what is copied or compared from the
    output has no trailing blanks (colour codes stay)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        with self.capture() as captured:
            super().print(*objects, **kwargs)
        self.file.write(_TRAILING.sub(_keep_codes, captured.get()))
        self.file.flush()


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    width = None
    if not stream.isatty():
        # Off a terminal rich assumes 80 columns; use COLUMNS if given, else a wide
        # page so that a long program title or matrix is not squeezed.
        width = int(os.environ.get("COLUMNS", "0") or 0) or 200
    return TrimmedConsole(file=stream, width=width, soft_wrap=False, highlight=False,
                          no_color="NO_COLOR" in os.environ or None)


def unicode_ok() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    return "utf" in encoding and os.environ.get("ADCLI_ASCII") is None


def fmt(value: Any, digits: int) -> str:
    if type(value) is float:
        pass  # the common case first: a Python float needs no numpy
    elif isinstance(value, bool) or isinstance(value, np.bool_):
        return "True" if value else "False"
    if is_decimal(value):
        return str(value)  # a --precision result shows all its digits
    value = float(value)
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def cell(value: Any, digits: int, room: int | None = None) -> Any:
    """A number as text; a vector as a line of numbers; a matrix as a boxed grid when it
    fits in `room` columns (default: the console width less a margin for the labels),
    else as rows of text; a higher tensor as its matrices, labelled.

    Nothing is ever cropped: rich crops a grid that does not fit, so a matrix that
    would not fit is text, which wraps between numbers instead."""
    if value is None:
        return Text("None")
    if type(value) is float or type(value) is bool:
        return Text(fmt(value, digits))
    array = np.asarray(value)
    if array.ndim == 0:
        return Text(fmt(array[()], digits))
    if room is None:
        room = console().width - 35  # the label and note columns and the borders
    if array.ndim == 1:
        return Text(" ".join(fmt(v, digits) for v in array), justify="right")
    if array.ndim == 2:
        texts = [[fmt(v, digits) for v in row] for row in array]
        widths = [max((len(row[j]) for row in texts), default=1) for j in range(array.shape[1])]
        if sum(widths) + 3 * len(widths) + 1 <= room:
            grid = Table(box=box.SQUARE, show_header=False, padding=(0, 1), show_edge=True)
            for width in widths:
                grid.add_column(justify="right", min_width=width, no_wrap=True)
            for row in texts:
                grid.add_row(*row)
            return grid
        lines = ["  ".join(entry.rjust(width) for entry, width in zip(row, widths, strict=True))
                 for row in texts]
        return Text("\n".join(lines))
    outer = Table.grid()
    outer.add_column()
    for index in np.ndindex(*array.shape[:-2]):
        outer.add_row(Text(f"[{', '.join(map(str, index))}, :, :]", style="dim"))
        outer.add_row(cell(array[index], digits, room))
    return outer


def _fit(table: Table) -> Table:
    """Make the table at least as wide as its title and caption: rich wraps both to
    the table's width, which would break a short table's caption mid-phrase. The
    console still narrows it to the terminal."""
    from rich.cells import cell_len

    # Titles hold program text such as `[x*y, x + y]`: plain text, never rich markup.
    if isinstance(table.title, str):
        table.title = Text(table.title, style="table.title")
    if isinstance(table.caption, str):
        table.caption = Text(table.caption, style="table.caption")
    texts = [t.plain for t in (table.title, table.caption) if t]
    table.min_width = max((cell_len(t) for t in texts), default=0) or None
    return table


def _shape_note(value: Any) -> str:
    shape = () if value is None or type(value) is float or type(value) is bool \
        else np.shape(value)
    return "" if shape == () else f"shape {shape}"


def results_table(batch: Batch, title: str, digits: int, partial: bool,
                  reasons: bool = True) -> Table:
    """One point: a row per quantity. Many points: a row per point, a column per quantity.

    Derivatives by more than one variable are partials (`∂f/∂x`) however the points were
    given (--at, a grid or --points, whose names the command line does not know before
    the file is read): the table decides from the derivatives it shows; `partial`
    forces it."""
    unicode = unicode_ok()
    partial = partial or len({name for d in batch.derivatives for name in d.wrt}) > 1
    if len(batch) == 1:
        result = batch.point(0)
        # Labels and notes are Text, never markup: rich would read `[...]` in them as
        # style tags (and parse every str for markup and emoji codes).
        rows = [(Text("f"), cell(result.value, digits), Text(_shape_note(result.value)))]
        for d in result.derivatives:
            note = (d.reason or "") if d.value is None and reasons else _shape_note(d.value)
            rows.append((Text(label(d.wrt, unicode, partial)), cell(d.value, digits),
                         Text(note)))
        table = Table(title=title, box=box.ROUNDED, title_justify="left")
        table.add_column(Text(""), style="bold")
        table.add_column(Text("value"), justify="right", overflow="fold")
        if any(note.plain for *_, note in rows):
            table.add_column(Text(""), style="dim", overflow="fold")
        else:
            rows = [row[:2] for row in rows]
        for row in rows:
            table.add_row(*row)
        at = ", ".join(f"{k} = {inline(v, digits)}" for k, v in result.inputs.items())
        table.caption = (f"at {at}; " if at else "") + f"engine: {batch.engine}"
        return _fit(table)
    table = Table(title=title, box=box.ROUNDED, title_justify="left",
                  caption=f"{len(batch)} points; engine: {batch.engine}")
    for name in batch.inputs:
        table.add_column(name, justify="right", overflow="fold", style="cyan")
    table.add_column("f", justify="right", overflow="fold")
    for d in batch.derivatives:
        table.add_column(label(d.wrt, unicode, partial), justify="right", overflow="fold")
    for i in range(len(batch)):
        result = batch.point(i)
        table.add_row(*(cell(v, digits) for v in result.inputs.values()),
                      cell(result.value, digits),
                      *(cell(d.value, digits) for d in result.derivatives))
    return _fit(table)


def inline(value: Any, digits: int) -> str:
    """A value on one line, such as `[[1, 2], [3, 4]]`, for captions."""
    if type(value) is float or type(value) is bool:
        return fmt(value, digits)
    array = np.asarray(value)
    if array.ndim == 0:
        return fmt(array[()], digits)
    return np.array2string(array, formatter={"all": lambda v: fmt(v, digits)}, separator=", ",
                           max_line_width=10**6).replace("\n", "")


def tape_table(rows: Sequence[TapeRow], title: str, digits: int) -> Table:
    table = Table(title=title, box=box.ROUNDED, title_justify="left",
                  caption="adjoint: the gradient of the result with respect to that row")
    table.add_column("#", justify="right")
    table.add_column("operation", style="bold")
    table.add_column("inputs", overflow="fold")
    table.add_column("value", justify="right", overflow="fold")
    table.add_column("adjoint", justify="right", overflow="fold")
    table.add_column("name", style="cyan")
    for row in rows:
        table.add_row(str(row.index), row.operation, ", ".join(row.inputs),
                      cell(row.value, digits),
                      cell(row.adjoint, digits) if row.adjoint is not None else Text("-"),
                      row.name or "")
    return _fit(table)


def check_table(rows: Sequence[CheckRow], title: str, digits: int, tolerance: float) -> Table:
    unicode = unicode_ok()
    partial = len({name for row in rows for name in row.wrt}) > 1
    table = Table(title=title, box=box.ROUNDED, title_justify="left",
                  caption=f"tolerance {tolerance:g} (relative to max(|auto|, |numeric|, 1))")
    table.add_column("derivative", style="bold")
    table.add_column("automatic", justify="right", overflow="fold")
    table.add_column("finite differences", justify="right", overflow="fold")
    table.add_column("rel. difference", justify="right")
    table.add_column("ok")
    for row in rows:
        mark = Text("yes" if row.ok else "NO", style="green" if row.ok else "bold red")
        table.add_row(label(row.wrt, unicode, partial), cell(row.automatic, digits),
                      cell(row.numeric, digits), f"{row.relative_error:.2e}", mark)
    return _fit(table)


def matrix_table(matrix: np.ndarray, labels: Sequence[str], title: str, digits: int,
                 caption: str) -> Table:
    table = Table(title=title, box=box.ROUNDED, title_justify="left", caption=caption)
    table.add_column("", style="bold")
    for name in labels:
        table.add_column(name, justify="right", overflow="fold")
    for name, row in zip(labels, matrix, strict=True):
        table.add_row(name, *(fmt(v, digits) for v in row))
    return _fit(table)


def taylor_table(result: Any, title: str, digits: int) -> Table:
    """`adcli taylor`: a row per order k with f^(k)(a)/k! and f^(k)(a)."""
    at = ", ".join(f"{k} = {inline(v, digits)}" for k, v in result.inputs.items())
    direction = ", ".join(f"{k} = {inline(v, digits)}" for k, v in result.direction.items())
    caption = f"at {at}" + (f"; direction {direction}" if direction else "") + \
        f"; engine: taylor; precision: {result.precision or 'float64'}"
    table = Table(title=title, box=box.ROUNDED, title_justify="left", caption=caption,
                  caption_justify="left")
    table.add_column("k", justify="right", style="bold")
    table.add_column("f^(k)(a)/k!", justify="right", overflow="fold")
    table.add_column("f^(k)(a)", justify="right", overflow="fold")
    for k in range(result.order + 1):
        table.add_row(str(k), cell(result.coefficients[k], digits),
                      cell(result.derivatives[k], digits))
    return table
