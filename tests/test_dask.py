"""adcli on Dask: `adcli.dask.differentiate` over a Dask DataFrame's partitions and
`adcli.cli.distributed.run_on_cluster` over points files, on a LocalCluster of two
worker processes (started once for the module) and on Dask's local schedulers; each
result is held against the single-process CLI's CSV output for the same points."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

import adcli.dask as adcli_dask
from adcli import api
from adcli.cli import inputs
from adcli.cli.distributed import output_paths, run_on_cluster
from adcli.cli.main import cli
from adcli.errors import AdcliUsageError, AdcliValueError


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two worker processes of one thread each, shared by every test of the module."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster: LocalCluster) -> Iterator[Client]:
    with Client(cluster, set_as_default=False) as connected:
        yield connected


def cli_csv(*args: str) -> str:
    """What `adcli ARGS` prints on standard output (it must succeed)."""
    run = CliRunner().invoke(cli, list(args))
    assert run.exit_code == 0, run.output
    return run.stdout


def points_frame(rows: int = 1000) -> pd.DataFrame:
    x = np.linspace(-3.0, 3.0, rows)
    return pd.DataFrame({"x": x, "y": np.cos(3 * x)})


def test_a_frame_on_the_cluster_gives_the_cli_csv_row_for_row(client: Client,
                                                            tmp_path: Path) -> None:
    points = points_frame()
    path = tmp_path / "points.csv"
    points.to_csv(path, index=False)
    program = "sin(x)*exp(y)/(1 + x*x)"
    frame = dd.from_pandas(points, npartitions=4)

    result = client.compute(adcli_dask.differentiate(program, frame, order=2)).result()

    expected = cli_csv("grad", program, "--points", str(path), "--format", "csv",
                       "--order", "2")
    assert result.to_csv(index=False, na_rep="none") == expected
    assert list(result.columns) == ["x", "y", "f", "df/dx", "df/dy", "d2f/dx2", "d2f/dxdy",
                                    "d2f/dy2"]
    batch = api.differentiate_batch(program, {"x": points.x, "y": points.y}, order=2)
    mixed = next(d.value for d in batch.derivatives if d.wrt == ("x", "y"))
    np.testing.assert_array_equal(result["d2f/dxdy"].to_numpy(float), mixed)
    assert result.index.equals(points.index)


def test_order_zero_gives_the_columns_of_adcli_eval(tmp_path: Path) -> None:
    points = points_frame(7)
    path = tmp_path / "points.csv"
    points.to_csv(path, index=False)
    frame = dd.from_pandas(points, npartitions=2)

    result = adcli_dask.differentiate("x*y", frame, order=0).compute(scheduler="sync")

    assert result.to_csv(index=False) == cli_csv("eval", "x*y", "--points", str(path),
                                                 "--format", "csv")


def test_a_none_derivative_is_na_and_a_nan_stays_nan() -> None:
    frame = dd.from_pandas(pd.DataFrame({"y": [-2.0, -1.0, 0.0, 1.0]}), npartitions=2)

    branch = adcli_dask.differentiate("y if y < 0 else 1", frame).compute(scheduler="sync")
    logarithm = adcli_dask.differentiate("log(y)", frame).compute(scheduler="sync")

    assert str(branch["df/dy"].dtype) == "Float64"
    assert branch["df/dy"].isna().tolist() == [False, False, True, True]
    assert branch["df/dy"].iloc[:2].tolist() == [1.0, 1.0]
    assert np.isnan(logarithm["f"].iloc[0]) and not logarithm["df/dy"].isna().any()
    assert logarithm["df/dy"].tolist()[2:] == [float("inf"), 1.0]


def test_a_tensor_value_gives_one_column_per_entry_as_in_the_csv(tmp_path: Path) -> None:
    points = pd.DataFrame({"x": [0.5, 2.0], "y": [1.0, 3.0]})
    path = tmp_path / "points.csv"
    points.to_csv(path, index=False)
    frame = dd.from_pandas(points, npartitions=1)

    result = adcli_dask.differentiate("[x, x*y]", frame, wrt=["y"]).compute(scheduler="sync")

    assert result.to_csv(index=False, na_rep="none") == cli_csv(
        "grad", "[x, x*y]", "--points", str(path), "--wrt", "y", "--format", "csv")
    assert list(result.columns) == ["x", "y", "f[0]", "f[1]", "df/dy[0]", "df/dy[1]"]


def test_let_of_and_the_chosen_input_columns_are_used() -> None:
    points = pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, 2.0, 3.0]})
    frame = dd.from_pandas(points, npartitions=2)

    result = adcli_dask.differentiate("y = k*x; z = y*y", frame, let={"k": 2}, of="y",
                                      inputs=["x"]).compute(scheduler="sync")

    assert list(result.columns) == ["x", "f", "df/dx"]
    assert result["f"].tolist() == [2.0, 4.0, 6.0]
    assert result["df/dx"].tolist() == [2.0, 2.0, 2.0]


def test_an_error_at_a_point_names_its_partition_row_and_index_on_the_cluster(
        client: Client) -> None:
    values = np.arange(12.0)
    values[9] = 2.5  # range(2.5) is the only error; row 1 of the third partition
    frame = dd.from_pandas(pd.DataFrame({"n": values}), npartitions=3)
    result = adcli_dask.differentiate("s = 0; for i in range(n): s = s + i", frame, order=0)

    with pytest.raises(AdcliValueError) as raised:
        client.compute(result).result()

    error = raised.value
    assert (error.partition, error.row, error.index) == (2, 1, 9)
    assert error.message == "range() needs a whole number, not 2.5 (partition 2, row 1, " \
                            "index 9: n=2.5)"
    assert error.span is not None and error.span.column == 23


def test_partitions_in_threads_give_what_they_give_one_after_another() -> None:
    # adcli's tapes and dispatchers belong to the process: without ENGINE_LOCK, threads
    # switching often record on each other's tapes (wrong Jacobians, mpf errors).
    x = np.linspace(-3.0, 3.0, 200)
    frame = dd.from_pandas(pd.DataFrame({"x": x, "y": np.cos(x)}), npartitions=8)
    result = adcli_dask.differentiate("[sin(x)*y, x*y*y, exp(x)]", frame, order=2)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    try:
        threaded = result.compute(scheduler="threads", num_workers=4)
    finally:
        sys.setswitchinterval(interval)

    pd.testing.assert_frame_equal(threaded, result.compute(scheduler="sync"))


def test_a_request_error_is_raised_before_anything_is_computed() -> None:
    frame = dd.from_pandas(pd.DataFrame({"x": [1.0, 2.0]}), npartitions=1)

    with pytest.raises(api.MissingInputError) as missing:
        adcli_dask.differentiate("x*y", frame)
    with pytest.raises(AdcliUsageError, match="the frame has no column 'z'"):
        adcli_dask.differentiate("x", frame, inputs=["z"])
    with pytest.raises(AdcliUsageError, match="frame must be a Dask DataFrame"):
        adcli_dask.differentiate("x", pd.DataFrame({"x": [1.0]}))

    assert missing.value.name == "y"


def test_warnings_are_logged_once_per_partition(caplog: pytest.LogCaptureFixture) -> None:
    frame = dd.from_pandas(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0],
                                         "y": [0.0, 0.0, 0.0, 0.0]}), npartitions=2)

    with caplog.at_level(logging.WARNING, logger="adcli.dask"):
        adcli_dask.differentiate("x*x", frame).compute(scheduler="sync")

    records = [r for r in caplog.records if r.name == "adcli.dask"]
    assert sorted(r.getMessage() for r in records) == [
        "partition 0: the result does not depend on the input 'y'",
        "partition 1: the result does not depend on the input 'y'"]
    assert {(r.partition, r.kind) for r in records} == {(0, "unused-input"),
                                                        (1, "unused-input")}


def write_points_files(directory: Path) -> list[Path]:
    """Three points files: two CSV, and a TSV with a quoted value and a blank line."""
    directory.mkdir()
    x = np.linspace(-2.0, 2.0, 300)
    paths = []
    for i, part in enumerate(np.array_split(x, 2)):
        path = directory / f"part-{i}.csv"
        path.write_text("x,y\n" + "".join(f"{float(v)!r},{i + 1}\n" for v in part))
        paths.append(path)
    tsv = directory / "part-2.tsv"
    tsv.write_text('x\ty\n"0.25"\t3\n\n1e-3\t-4\n')
    return [*paths, tsv]


def test_run_on_cluster_writes_one_cli_output_per_points_file(cluster: LocalCluster,
                                                              tmp_path: Path) -> None:
    program = "x*y + sin(x)"
    files = write_points_files(tmp_path / "data")

    summary = run_on_cluster(program, str(tmp_path / "data" / "part-*"),
                             scheduler=cluster.scheduler_address,
                             output_dir=tmp_path / "out", order=2)

    assert [Path(f.output).name for f in summary.files] == ["part-0.csv", "part-1.csv",
                                                           "part-2.csv"]
    assert summary.rows == 302 and [f.rows for f in summary.files] == [150, 150, 2]
    for path, done in zip(files, summary.files, strict=True):
        assert done.input == str(path)
        assert Path(done.output).read_text() == cli_csv(
            "grad", program, "--points", str(path), "--format", "csv", "--order", "2")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "part-0.csv", "part-1.csv", "part-2.csv"]


def test_run_without_a_scheduler_writes_tsv_with_lets_and_collects_warnings(
        tmp_path: Path) -> None:
    files = write_points_files(tmp_path / "data")
    for path in files[:2]:
        path.write_text(path.read_text().replace("x,y", "x,z"))
    files[2].write_text(files[2].read_text().replace("x\ty", "x\tz"))

    summary = run_on_cluster("a*x", str(tmp_path / "data" / "*"), scheduler=None,
                             output_dir=tmp_path / "out", lets=("a=3",), wrt="x,z",
                             fmt="tsv")

    for path, done in zip(files, summary.files, strict=True):
        assert Path(done.output).name == path.stem + ".tsv"
        assert Path(done.output).read_text() == cli_csv(
            "grad", "a*x", "--points", str(path), "--let", "a=3", "--wrt", "x,z",
            "--format", "tsv")
    assert summary.warnings == ("the result does not depend on the input 'z'",)


def test_an_error_in_a_points_file_names_the_file_and_row_and_leaves_no_output(
        cluster: LocalCluster, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.csv").write_text("n\n1\n2\n")
    (data / "bad.csv").write_text("n\n1\n\n2.5\n")
    (data / "worse.csv").write_text("n\n1\nabc\n")
    program = "s = 0; for i in range(n): s = s + i"

    with pytest.raises(AdcliValueError) as raised:
        run_on_cluster(program, [str(data / "bad.csv"), str(data / "good.csv")],
                       scheduler=cluster.scheduler_address, output_dir=tmp_path / "out")
    with pytest.raises(inputs.InputError) as malformed:
        run_on_cluster(program, str(data / "worse.csv"), scheduler=None,
                       output_dir=tmp_path / "out")

    assert raised.value.message == (f"range() needs a whole number, not 2.5 "
                                    f"({data / 'bad.csv'}, data row 2: '2.5')")
    assert raised.value.row == 1
    assert malformed.value.message == (f"--points {data / 'worse.csv'}: line 3: 'abc': "
                                       f"'abc' in column 1 (n) is not a number")
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "bad.csv" not in written and "worse.csv" not in written
    assert not [name for name in written if name.endswith(".partial")]


def test_outputs_keep_the_paths_below_the_common_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = [str(tmp_path / "data" / "a" / "p.csv"), str(tmp_path / "data" / "b" / "p.tsv")]

    assert output_paths(files, out, "csv") == [(files[0], str(out / "a" / "p.csv")),
                                              (files[1], str(out / "b" / "p.csv"))]
    with pytest.raises(inputs.InputError, match="would both be written to"):
        output_paths([str(tmp_path / "p.csv"), str(tmp_path / "p.tsv")], out, "csv")
    with pytest.raises(inputs.InputError, match="would overwrite the points file"):
        output_paths([str(tmp_path / "p.csv")], tmp_path, "csv")


def test_no_matching_file_and_an_unreachable_scheduler_are_usage_errors(
        tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("x\n1\n")

    with pytest.raises(inputs.InputError, match="no file matches it"):
        run_on_cluster("x", str(tmp_path / "*.tsv"), scheduler=None, output_dir=tmp_path)
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}), \
            pytest.raises(AdcliUsageError, match="cannot connect to the Dask scheduler at "
                                                 "'tcp://127.0.0.1:9'") as refused:
        run_on_cluster("x", str(tmp_path / "p.csv"), scheduler="tcp://127.0.0.1:9",
                       output_dir=tmp_path / "out")

    assert refused.value.parameter == "scheduler"


def test_without_dask_the_error_names_the_extra_and_import_adcli_never_loads_it() -> None:
    script = (
        "import sys\n"
        "import adcli, adcli.api, adcli.dask\n"
        "from adcli.errors import AdcliUsageError\n"
        "print('dask' in sys.modules)\n"
        "sys.modules['dask'] = None\n"
        "try:\n"
        "    adcli.dask.differentiate('x', None)\n"
        "except AdcliUsageError as error:\n"
        "    print(error)\n")

    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)

    assert run.stdout.splitlines()[:2] == [
        "False", "usage error: Dask is not installed: pip install 'adcli[dask]'"]


def installed_adcli(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `adcli` command, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "adcli", *args], capture_output=True,
                           text=True, timeout=120, check=False)


def test_the_command_line_runs_a_glob_on_the_cluster_one_output_per_file(
        cluster: LocalCluster, tmp_path: Path) -> None:
    files = write_points_files(tmp_path / "data")
    run = installed_adcli("grad", "x*y + sin(x)", "--points", str(tmp_path / "data" / "*"),
                          "--scheduler", cluster.scheduler_address,
                          "--output", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert f"302 points from 3 files written to {tmp_path / 'out'}" in run.stderr
    for path in files:
        assert (tmp_path / "out" / path.with_suffix(".csv").name).read_text() == cli_csv(
            "grad", "x*y + sin(x)", "--points", str(path), "--format", "csv")


def test_without_a_scheduler_a_glob_streams_its_files_in_order_or_writes_one_per_file(
        tmp_path: Path) -> None:
    files = write_points_files(tmp_path / "data")
    pattern = str(tmp_path / "data" / "part-*")
    streamed = cli_csv("grad", "x*y", "--points", pattern + ".csv", "--format", "csv")
    pieces = [cli_csv("grad", "x*y", "--points", str(p), "--format", "csv")
              for p in files[:2]]
    header = pieces[0].splitlines(keepends=True)[0]
    assert streamed == header + "".join(p.split("\n", 1)[1] for p in pieces)
    run = CliRunner().invoke(cli, ["grad", "x*y", "--points", pattern, "--output",
                                   str(tmp_path / "out"), "--format", "tsv"])
    assert run.exit_code == 0, run.output
    assert (tmp_path / "out" / "part-2.tsv").read_text() == cli_csv(
        "grad", "x*y", "--points", str(files[2]), "--format", "tsv")


def test_per_file_output_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    write_points_files(tmp_path / "data")
    pattern = str(tmp_path / "data" / "part-*")
    cases = {("--scheduler", "tcp://127.0.0.1:1"): "give the directory with --output DIR",
             ("--output", str(tmp_path / "o"), "--format", "json"):
                 "--format json cannot be used with --output",
             ("--output", str(tmp_path / "o"), "--jobs", "2"): "--jobs cannot be used",
             ("--output", str(tmp_path / "o"), "--at", "z=1"): "--at cannot be used"}
    for extra, message in cases.items():
        run = CliRunner().invoke(cli, ["grad", "x*y", "--points", pattern, *extra])
        assert run.exit_code == 2, (extra, run.output)
        assert message in run.output
    (tmp_path / "data" / "part-9.csv").write_text("y,x\n1,2\n")
    run = CliRunner().invoke(cli, ["grad", "x*y", "--points", pattern + ".csv"])
    assert run.exit_code == 2
    assert "starts with the header 'y,x', not 'x,y'" in run.output
    (tmp_path / "data" / "part-9.csv").write_text("")
    run = CliRunner().invoke(cli, ["grad", "x*y", "--points", pattern + ".csv"])
    assert run.exit_code == 2
    assert "part-9.csv is empty; every file needs the header row" in run.output


def test_a_nan_value_stays_nan_when_written_as_the_cli_writes_it(tmp_path: Path) -> None:
    points = pd.DataFrame({"x": [0.0, 1.0, 2.0, -1.0], "y": [1.0, 2.0, 3.0, 4.0]})
    program = "y if x > 0 else log(x)"
    frame = adcli_dask.differentiate(program, dd.from_pandas(points, npartitions=2))
    written = frame.compute().to_csv(index=False, na_rep="none", lineterminator="\n")
    path = tmp_path / "p.csv"
    points.to_csv(path, index=False)
    expected = cli_csv("grad", program, "--points", str(path), "--format", "csv")
    assert written.splitlines()[4] == expected.splitlines()[4] == "-1.0,4.0,nan,-1.0,none"
