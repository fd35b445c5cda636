"""adcli on Dask: a program's value and derivatives over the partitions of a Dask DataFrame.

One responsibility: run adcli's batch API (`api.differentiate_batch`) where Dask puts
the data, and bring back its answers, its warnings and its errors as adcli gives them
on one machine. `differentiate` maps a program over a Dask DataFrame's partitions; the
helpers below it (`require`, `Request`, `run_rows`) are what the command line's cluster
runs (adcli/cli/distributed.py) share with it.

Dask is an optional extra (`pip install 'adcli[dask]'`): it is imported by the functions
that need it, never when adcli (or this module) is imported, and its absence is an
`AdcliUsageError` that names the extra. The program is parsed once, on the client, and
the parsed program is what travels to the workers (it pickles), with the constants and
the limits in force on the client.
"""

from __future__ import annotations

import copy
import logging
import threading
import warnings as python_warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from adcli import api
from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliError, AdcliUsageError
from adcli.records import Record, field

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

# Points per `differentiate_batch` call inside a partition, as the CLI's --points chunks:
# a partition of any size is differentiated in slices, so a worker's memory stays flat.
CHUNK_ROWS = 65536

MISSING_DASK = "Dask is not installed: pip install 'adcli[dask]'"

# adcli's engine keeps the tapes that are recording and the active dispatcher (Taylor
# mode, batching) in lists of the process (adcli.engine.primitives), not of a thread:
# two runs in two threads at once record on each other's tapes and dispatch through each
# other's interpreters (wrong derivatives, or errors). Dask runs tasks in threads (its
# default scheduler for DataFrames, and `dask worker` with several threads), so the runs
# of one process take turns; processes (`dask worker --nworkers N --nthreads 1`) run in
# parallel. Reading and writing points files happen outside the lock.
ENGINE_LOCK = threading.Lock()

logger = logging.getLogger("adcli.dask")


def require(module: str = "dask.dataframe") -> Any:
    """Import `module` (dask.dataframe, distributed, ...) and return it.

    Raises AdcliUsageError("Dask is not installed: pip install 'adcli[dask]'") when it
    cannot be imported, the import error chained to it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise AdcliUsageError(MISSING_DASK,
                              hint=f"importing {module} failed: {error}") from error


class Request(Record):
    """What to compute at every point, shipped to the workers with the parsed program:
    the arguments of `api.differentiate_batch` other than the points. `limits` are
    explicit (the client's), so that a worker runs with the limits the client set."""

    wrt: tuple[str, ...] | None = None
    order: int = 1
    let: Mapping[str, Any] = field(default_factory=dict)
    of: str | None = None
    unconnected: str = "none"
    limits: Any = None
    engine: str = "auto"
    mode: str = "auto"

    def run(self, program: api.Program, columns: Mapping[str, np.ndarray]) -> api.Batch:
        """`api.differentiate_batch` at the points of `columns` (one array per input), one
        thread of the process at a time (ENGINE_LOCK)."""
        with ENGINE_LOCK:
            return api.differentiate_batch(program, columns, self.wrt, self.order, self.let,
                                           self.of, self.unconnected, self.limits,
                                           self.engine, mode=self.mode)


def run_rows(program: api.Program, columns: Mapping[str, np.ndarray], request: Request,
             where: Callable[[int], str]) -> api.Batch:
    """`request.run` over n points (`columns`: arrays of shape (n,)), CHUNK_ROWS at a time,
    joined into one Batch of n points.

    An error that depends on the data (any AdcliError but a usage or syntax error, which
    are about the request) is raised again as a copy of itself that names the first
    point where it arises: its message ends with `(where(row))` for the 0-based `row`,
    found by bisecting over the slice's leading points, and the copy has the field
    `row`. Usage and syntax errors are raised as they are."""
    n = len(next(iter(columns.values())))
    batches = [_run_slice(program, {k: v[start:start + CHUNK_ROWS] for k, v in columns.items()},
                          request, where, start)
               for start in range(0, n, CHUNK_ROWS)]
    return api.Batch.concat(batches)


def _run_slice(program: api.Program, columns: dict[str, np.ndarray], request: Request,
               where: Callable[[int], str], offset: int) -> api.Batch:
    try:
        return request.run(program, columns)
    except AdcliError as error:
        if error.kind in ("usage", "syntax"):
            raise
        row, first = _first_failure(program, columns, request, error)
        raise located(first, where(offset + row), row=offset + row) from None


def _first_failure(program: api.Program, columns: dict[str, np.ndarray], request: Request,
                   error: AdcliError) -> tuple[int, AdcliError]:
    """The first point of `columns` at which the points up to it fail, and that error:
    the shortest failing run of leading points, by bisection (all points fail with
    `error`)."""
    good, bad = 0, len(next(iter(columns.values())))
    while bad - good > 1:
        middle = (good + bad) // 2
        try:
            request.run(program, {k: v[:middle] for k, v in columns.items()})
            good = middle
        except AdcliError as shorter:
            bad, error = middle, shorter
    return bad - 1, error


def located(error: AdcliError, where: str, **fields: Any) -> AdcliError:
    """A copy of `error` (same class and fields) whose message ends with `(where)`, with
    `fields` (such as row=, partition=) set on it."""
    copied = copy.copy(error)
    copied.message = f"{error.message} ({where})"
    copied.args = (copied.message,)
    for name, value in fields.items():
        setattr(copied, name, value)
    return copied


def point_text(columns: Mapping[str, Any], row: int) -> str:
    """The inputs of one point as `x=0.5, y=1.0`."""
    return ", ".join(f"{name}={np.asarray(values)[row].item()!r}"
                     for name, values in columns.items())


def differentiate(
    program: str | api.Program,
    frame: dd.DataFrame,
    wrt: Sequence[str] | None = None,
    order: int = 1,
    let: Mapping[str, Any] | None = None,
    of: str | None = None,
    unconnected: str = "none",
    inputs: Sequence[str] | None = None,
    limits: Any = None,
    engine: str = "auto",
    mode: str = "auto",
) -> dd.DataFrame:
    """The value and derivatives of `program` at every row of a Dask DataFrame: a lazy
    Dask DataFrame with one row per row of `frame` (same partitions, same index).

    Each row is a point: the columns `inputs` (default: every column, in order) are the
    program's inputs, numbers. The other arguments are those of `api.differentiate_batch`
    (`wrt` default: every input, in order; `let` constants; `of` the result variable;
    `unconnected`; `limits`, default the client's `adcli.lang.default_limits()`;
    `engine`; `mode`), and every row gets exactly what `api.differentiate` gives at
    that point.

    Columns, named as `adcli grad --points FILE --format csv` names its header: the input
    columns as they are, then `f` (the value; `f[0]`, `f[1]`, ... for the entries of a
    tensor value; float64, or bool for a comparison), then each derivative, `df/dx`,
    `df/dy`, `d2f/dx2`, `d2f/dxdy`, ... (entries `df/dx[1]` of a tensor value), as
    pandas' nullable "Float64": a derivative that is None at a point (the CLI's `none`)
    is <NA> there, while a nan stays nan. So `result.to_csv(..., na_rep="none",
    index=False)` writes the CLI's values. With `order=0` there are no derivative
    columns (`adcli eval`).

    The program is parsed here, on the client (a syntax error raises at once), and the
    first row is computed here too, which names the output columns (the value's shape
    sets them) and raises a usage error (a missing input, a constant in `wrt`) before
    anything is sent to a cluster (Dask computes the frame's first partition for it: for
    a frame read from files, the first file). Nothing else is computed until the result
    is.

    Warnings (nan or infinite derivatives, an input the value does not depend on, lost
    digits) are logged on the logger "adcli.dask" at WARNING, each distinct warning once
    per partition, as "partition N: WARNING" (the record has `partition` and `kind`
    attributes). They are logged where the partition runs: in this process for Dask's
    local schedulers; on a distributed cluster in the workers' logs, or here after
    `client.forward_logging("adcli.dask")`.

    Parallelism comes from processes: adcli's engine state belongs to a process, so the
    partitions one process runs in several threads take turns (ENGINE_LOCK), correct but
    not faster; use a cluster of worker processes with one thread each (`LocalCluster(
    n_workers=N, threads_per_worker=1)`, `dask worker ADDRESS --nworkers N --nthreads 1`).

    Errors: `frame` not a Dask DataFrame, a column in `inputs` that is missing, not a
    name or not numbers, or an empty frame raise AdcliUsageError here; so does a
    missing Dask ("Dask is not installed: pip install 'adcli[dask]'"). An error at some
    points (an AdcliValueError such as `range()` of 2.5, a shape that differs between
    points) is raised by the compute as the same adcli error, its message ending with
    where it first arises, `(partition P, row R, index I: x=2.5)` with R the
    0-based position in partition P, and fields `partition`, `row` and `index`.
    """
    dd_module = require("dask.dataframe")
    if not isinstance(frame, dd_module.DataFrame):
        raise AdcliUsageError(f"frame must be a Dask DataFrame, not {type(frame).__name__}",
                              hint="make one with dask.dataframe.from_pandas(frame, "
                                   "npartitions=N) or dask.dataframe.read_csv(...)")
    parsed = api.as_program(program, limits)
    names = _input_names(frame, inputs)
    if limits is None:
        from adcli.lang import default_limits

        limits = default_limits()
    request = Request(None if wrt is None else tuple(wrt), order,
                      api.input_values(let, parameter="let"), of, unconnected, limits,
                      engine, mode)
    sample = _first_row(frame[names])
    meta = PartitionTask(parsed, tuple(names), request).compute(sample, None)[0].iloc[:0]
    task = PartitionTask(parsed, tuple(names), request,
                         tuple((str(k), str(v)) for k, v in meta.dtypes.items()))
    return frame[names].map_partitions(task, meta=meta, token="adcli-differentiate")


def _input_names(frame: dd.DataFrame, inputs: Sequence[str] | None) -> list[str]:
    """The input columns, checked: names the program can read, holding numbers."""
    columns = list(frame.columns)
    names = list(columns if inputs is None else inputs)
    if not names:
        raise AdcliUsageError("the frame has no columns to read the inputs from",
                              parameter="at")
    for name in names:
        if name not in columns:
            raise AdcliUsageError(f"the frame has no column {name!r} (its columns: "
                                  f"{', '.join(map(str, columns))})", parameter="at",
                                  name=str(name))
        if not (isinstance(name, str) and name.isidentifier()):
            raise AdcliUsageError(
                f"column {name!r} is not a name a program can read",
                parameter="at", hint="rename it, or choose the input columns with "
                                     "inputs=[...]")
        if frame.dtypes[name].kind not in "fiub":
            raise AdcliUsageError(
                f"column {name!r} holds {frame.dtypes[name]}, not numbers", parameter="at",
                name=name, hint="choose the input columns with inputs=[...]")
    if "f" in names:
        raise AdcliUsageError("an input column is named 'f', the name of the value's "
                              "column", parameter="at", name="f",
                              hint="rename it, e.g. frame.rename(columns={'f': 'f_in'})")
    if len(set(names)) != len(names):
        raise AdcliUsageError(f"inputs names a column twice: {names}", parameter="at")
    return names


def _first_row(frame: dd.DataFrame) -> pd.DataFrame:
    """The frame's first row, computed (the first non-empty partition's)."""
    with python_warnings.catch_warnings():
        # head() warns when the first partition has fewer rows than asked for.
        python_warnings.simplefilter("ignore", UserWarning)
        sample = frame.head(1)
        if not len(sample):
            sample = frame.head(1, npartitions=-1)
    if not len(sample):
        raise AdcliUsageError("the frame has no rows: the output's columns depend on the "
                              "program's value, which needs a point to run at",
                              parameter="at")
    return sample


class PartitionTask:
    """The function Dask maps over the partitions: one pandas DataFrame of points in,
    the input columns, the value and the derivatives out (see `differentiate`).

    `dtypes` are the output's (name, dtype) pairs, which each partition is cast to and
    checked against; empty for the first-row run that finds them."""

    def __init__(self, program: api.Program, names: tuple[str, ...], request: Request,
                 dtypes: tuple[tuple[str, str], ...] = ()) -> None:
        self.program = program
        self.names = names
        self.request = request
        self.dtypes = dtypes

    def __call__(self, part: pd.DataFrame,
                 partition_info: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """The partition's results; its distinct warnings logged on "adcli.dask"."""
        number = partition_info.get("number") if partition_info else None
        out, warnings = self.compute(part, number)
        for warning in warnings:
            logger.warning("partition %s: %s", number, warning,
                           extra={"partition": number, "kind": api.kind_of(warning)})
        return out

    def compute(self, part: pd.DataFrame, number: int | None
                ) -> tuple[pd.DataFrame, tuple[str, ...]]:
        """(The results of partition `number`, its distinct warnings)."""
        import pandas as pd

        if not len(part):
            return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in
                                 self.dtypes}, index=part.index), ()
        columns = {name: _numbers(part[name]) for name in self.names}
        index = part.index

        def where(row: int) -> str:
            place = "" if number is None else f"partition {number}, "
            return f"{place}row {row}, index {_label(index[row])!r}: " \
                   f"{point_text(columns, row)}"

        try:
            batch = run_rows(self.program, columns, self.request, where)
        except AdcliError as error:
            if getattr(error, "row", None) is not None:
                error.partition = number  # type: ignore[attr-defined]
                error.index = _label(index[error.row])  # type: ignore[attr-defined]
            raise
        out = frame_of(batch, part, self.names)
        warnings = tuple(dict.fromkeys(batch.warnings))
        if not self.dtypes:
            return out, warnings
        wanted = [name for name, _ in self.dtypes]
        if list(out.columns) != wanted:
            raise AdcliError(f"the program's results have different columns in different "
                             f"partitions: {list(out.columns)} in partition {number}, "
                             f"{wanted} at the frame's first row")
        return out.astype(dict(self.dtypes)), warnings


def _numbers(column: pd.Series) -> np.ndarray:
    """A column's points as numpy numbers (float64 for every float dtype)."""
    if column.dtype.kind == "f":
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    return column.to_numpy()


def _label(label: Any) -> Any:
    """An index label as a Python value (np.int64(3) reads as 3)."""
    return label.item() if isinstance(label, np.generic) else label


def frame_of(batch: api.Batch, part: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """A pandas DataFrame of a batch, with the CLI's CSV header: the input columns of
    `part` as they are, the value's entries (float values as Float64, none missing),
    then each derivative's entries as nullable Float64 (<NA> where the derivative is
    None), on `part`'s index."""
    import pandas as pd

    from adcli.cli.render import columns as csv_columns

    columns = csv_columns(batch)
    inputs = sum(int(np.prod(v.shape[1:], dtype=int)) for v in batch.inputs.values())
    values = int(np.prod(batch.value.shape[1:], dtype=int))
    data: dict[str, Any] = {name: part[name].array for name in names}
    n = len(batch)
    for name, column, _ in columns[inputs:inputs + values]:
        # Float values as Float64 with nothing missing: a nan stays nan (to_csv's
        # na_rep="none" is for derivatives that are None, never for a value).
        data[name] = pd.arrays.FloatingArray(np.asarray(column, np.float64), np.zeros(n, bool)) \
            if column is not None and np.asarray(column).dtype.kind == "f" else column
    for name, column, missing in columns[inputs + values:]:
        if column is None:
            floats, mask = np.zeros(n), np.ones(n, bool)
        else:
            floats = np.asarray(column, dtype=np.float64)
            mask = np.zeros(n, bool) if missing is None else np.asarray(missing, bool)
        data[name] = pd.arrays.FloatingArray(floats, mask)
    return pd.DataFrame(data, index=part.index)


__all__ = ["CHUNK_ROWS", "MISSING_DASK", "PartitionTask", "Request", "differentiate",
           "frame_of", "located", "point_text", "require", "run_rows"]
