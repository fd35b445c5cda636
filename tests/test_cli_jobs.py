"""`--jobs N`: a grid or a --points stream computed by N worker processes writes, byte
for byte, what one process writes: every format, the warnings, a bad row's message
with its line number, an evaluation error and its exit code. Ctrl-C stops the
workers with the parent; a worker that dies is an error, not a hang.

The chunks are made tiny (CHUNK_ROWS, which the parent alone reads: it cuts the
chunks the workers compute) so that a few rows make several chunks, and the
commands run in-process through click's CliRunner; the Ctrl-C test runs the
installed `adcli`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from typing import NamedTuple

import pytest
from click.testing import CliRunner

from adcli.cli import inputs, parallel
from adcli.cli.main import cli

FORMATS = ("csv", "tsv", "jsonl", "json", "plain", "table")

# Lines 2 to 13 of a points file (line 1 is the header), in chunks of 3 lines: a blank
# line, a chunk of blank lines only (lines 8 to 10), quoted values, and numbers written
# as Python would not print them (the input columns are copied as written).
POINTS = ("x,y\n"
          "1,2\n0.5,-3\n\"2.25\",1e1\n"
          "4,5\n\n6,\"7\"\n"
          "\n\n\n"
          "-0.0,+8\n9.,10\n11,12\n")


class Run(NamedTuple):
    exit_code: int
    stdout: str
    stderr: str


def adcli(*args: str, input: str | bytes | None = None) -> Run:
    result = CliRunner().invoke(cli, list(args), input=input, prog_name="adcli",
                                env={"COLUMNS": "100", "NO_COLOR": "1", "ADCLI_ASCII": "1"})
    assert "Traceback" not in result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def same_with_jobs(*args: str, input: str | bytes | None = None, jobs: str = "2") -> Run:
    """Run with --jobs 1 and --jobs N, assert that everything is the same, and return it."""
    one = adcli(*args, "--jobs", "1", input=input)
    many = adcli(*args, "--jobs", jobs, input=input)
    assert many == one
    return one


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(inputs, "CHUNK_ROWS", 3)


@pytest.fixture
def started(monkeypatch) -> list[int]:
    """The number of workers of each pool started."""
    counts: list[int] = []
    start = parallel._Pool.start

    def counted(self, step, jobs, initializer):
        counts.append(jobs)
        return start(self, step, jobs, initializer)

    monkeypatch.setattr(parallel._Pool, "start", counted)
    return counts


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_grid_in_two_workers_is_written_as_by_one_process(fmt, started):
    run = same_with_jobs("grad", "x*y + sin(x)", "--at", "x=0:1:5", "--at", "y=-1:1:3",
                         "--order", "2", "--format", fmt)
    assert started == [2]
    assert run.exit_code == 0
    if fmt == "csv":
        lines = run.stdout.splitlines()
        assert lines[0] == "x,y,f,df/dx,df/dy,d2f/dx2,d2f/dxdy,d2f/dy2"
        assert len(lines) == 1 + 15
        assert lines[-1] == "1.0,1.0,1.8414709848078965,1.5403023058681398,1.0," \
                            "-0.8414709848078965,1.0,0.0"
    if fmt == "table":
        assert "15 points; engine: tape" in run.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_points_file_in_two_workers_is_written_as_by_one_process(fmt, started):
    run = same_with_jobs("grad", "x*y", "--points", "-", "--format", fmt, input=POINTS)
    assert started == [2]
    assert run.exit_code == 0
    if fmt == "csv":
        assert run.stdout == ("x,y,f,df/dx,df/dy\n"
                              "1,2,2.0,2.0,1.0\n0.5,-3,-1.5,-3.0,0.5\n2.25,1e1,22.5,10.0,2.25\n"
                              "4,5,20.0,5.0,4.0\n6,7,42.0,7.0,6.0\n"
                              "-0.0,+8,-0.0,8.0,-0.0\n9.,10,90.0,10.0,9.0\n"
                              "11,12,132.0,12.0,11.0\n")


@pytest.mark.parametrize("fmt", ["json", "jsonl", "table", "csv"])
def test_jacobian_and_eval_with_jobs_write_what_one_process_writes(fmt):
    run = same_with_jobs("jacobian", "[x*y, x + y]", "--at", "x=0:1:4", "--at", "y=1:2:2",
                         "--format", fmt)
    assert run.exit_code == 0
    assert ("forward" in run.stdout) == (fmt != "csv")
    run = same_with_jobs("eval", "x^2", "--points", "-", "--format", fmt, input=POINTS)
    assert run.exit_code == 0


def test_a_bad_row_under_jobs_names_its_line_after_the_rows_before_it():
    points = "x\n" + "".join(f"{i}\n" for i in range(7)) + "7,5\n8\n"
    run = same_with_jobs("grad", "x*x", "--points", "-", "--format", "csv", input=points)
    assert run.exit_code == 2
    assert run.stderr.endswith("Error: --points: line 9: '7,5' has 2 values, but the "
                               "header names 1 (x)\n")
    # The first two chunks (lines 2 to 7) were written before the third failed.
    assert run.stdout == "x,f,df/dx\n" + "".join(f"{i},{float(i * i)},{2.0 * i}\n"
                                                 for i in range(6))


def test_a_points_file_that_is_not_utf8_fails_under_jobs_as_in_one_process():
    run = same_with_jobs("grad", "x*x", "--points", "-", "--format", "csv",
                         input=b"x\n1\n2\n3\n4\n\xff\n")
    assert run.exit_code == 2
    assert run.stderr.startswith("usage error: the input is not UTF-8 text (byte 0xff")


def test_evaluation_warnings_under_jobs_are_those_of_one_process():
    run = same_with_jobs("grad", "log(x)", "--at", "x=-1:1:9", "--format", "csv")
    assert run.exit_code == 0
    warnings = run.stderr.splitlines()
    assert warnings[0] == "warning: log() at 1:1 turned finite inputs into nan in 'log(x)'"
    assert len(warnings) == len(set(warnings)) >= 3
    assert "-1.0,nan,-1.0\n" in run.stdout


def test_an_evaluation_error_under_jobs_is_reported_in_its_turn():
    # A loop that runs x times: past the limit from the third chunk of points on.
    run = same_with_jobs("--max-iterations", "20", "eval", "n = 0; while n < x: n += 1",
                         "--at", "x=0:30:11", "--format", "csv")
    assert run.exit_code == 1
    assert run.stderr.startswith("limit error at 1:8: the program ran more than 20 loop "
                                 "iterations")
    assert run.stdout == "x,f\n0.0,0.0\n3.0,3.0\n6.0,6.0\n9.0,9.0\n12.0,12.0\n15.0,15.0\n"


def _square(item: int) -> int:
    return item * item


def test_at_most_two_chunks_per_worker_are_in_flight():
    read: list[int] = []

    def items():
        for item in range(30):
            read.append(item)
            yield item

    with parallel.ordered(_square, items(), 2) as results:
        for given, result in enumerate(results):
            assert result == given * given
            # Read: the ones given back, this one, and at most 2 per worker after it.
            assert len(read) <= given + 1 + 4
    assert len(read) == 30


def test_jobs_0_starts_one_worker_per_core(monkeypatch, started):
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    run = same_with_jobs("grad", "x*x", "--at", "x=0:1:10", "--format", "csv", jobs="0")
    assert started == [3]
    assert run.stdout.count("\n") == 11


def test_one_chunk_and_one_point_run_without_workers(started):
    same_with_jobs("grad", "x*x", "--at", "x=0:1:3", "--format", "csv")
    same_with_jobs("grad", "x*x", "--at", "x=2", "--format", "json")
    assert started == []


def test_jobs_must_be_a_count_of_0_or_more():
    run = adcli("grad", "x*x", "--at", "x=0:1:5", "--jobs", "-1")
    assert run.exit_code == 2
    assert "Invalid value for '--jobs': -1 is not in the range x>=0." in run.stderr


@pytest.mark.parametrize("command", ["eval", "grad", "jacobian"])
def test_help_of_point_commands_lists_jobs(command):
    run = adcli(command, "--help")
    assert "--jobs N" in run.stdout
    assert "one per core" in run.stdout


def test_a_worker_that_dies_is_an_error_not_a_hang(monkeypatch):
    from adcli.cli import points

    step = points._Step.__call__

    def dying(self, raw):
        if raw.start == 6 and os.getpid() != parent:
            os._exit(9)  # as if killed: no result is ever sent back
        return step(self, raw)

    parent = os.getpid()
    monkeypatch.setattr(points._Step, "__call__", dying)
    run = adcli("grad", "x*x", "--at", "x=0:1:12", "--format", "csv", "--jobs", "2")
    assert run.exit_code == 1
    assert run.stderr == ("worker error: a --jobs worker process stopped unexpectedly "
                          "(exit code 9)\nhint: run again; with fewer --jobs if memory is "
                          "short\n")


def test_spawned_workers_write_what_forked_ones_write(monkeypatch):
    # Where fork is not used (macOS, Windows): the step and the limits travel by pickle.
    forked = adcli("--max-iterations", "50", "grad", "x*x", "--at", "x=0:1:7", "--format",
                   "csv", "--jobs", "2")
    monkeypatch.setattr(parallel, "_start_method", lambda: "spawn")
    spawned = adcli("--max-iterations", "50", "grad", "x*x", "--at", "x=0:1:7", "--format",
                    "csv", "--jobs", "2")
    assert spawned == forked
    assert forked.stdout.startswith("x,f,df/dx\n0.0,0.0,0.0\n")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


@pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"),
                    reason="needs Linux's /proc/PID/task/PID/children")
def test_ctrl_c_stops_the_workers_with_the_parent():
    adcli_path = shutil.which("adcli") or ""
    argv = [adcli_path] if adcli_path else [sys.executable, "-m", "adcli"]
    # 9 million points: far longer than the test waits.
    child = subprocess.Popen([*argv, "grad", "x*y", "--at", "x=0:1:3000", "--at",
                              "y=0:1:3000", "--format", "csv", "--jobs", "2"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while len(workers := _children(child.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(workers) == 2
        time.sleep(0.3)  # computing
        # Ctrl-C at a terminal: SIGINT to the whole process group, workers included.
        os.killpg(child.pid, signal.SIGINT)
        interrupted = time.monotonic()
        _, stderr = child.communicate(timeout=10)
        assert time.monotonic() - interrupted < 3
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == 130
    assert stderr == b"interrupted\n"
    for pid in workers:
        assert not os.path.exists(f"/proc/{pid}"), f"worker {pid} outlived its parent"


def test_a_large_jobs_count_starts_no_more_workers_than_there_is_work():
    from adcli.cli import parallel

    cores = os.cpu_count() or 1
    assert parallel.workers_for(1000, chunks=5) == 5
    assert parallel.workers_for(1000) == 4 * cores
    assert parallel.workers_for(0, chunks=1) == 1
    assert parallel.workers_for(0) == cores


def test_points_with_a_header_only_give_no_rows_and_a_table_says_so(tmp_path):
    from click.testing import CliRunner

    from adcli.cli.main import cli

    for fmt, out in [("csv", ""), ("plain", ""), ("json", "[\n]\n"), ("table", "")]:
        run = CliRunner().invoke(cli, ["grad", "x*x", "--points", "-", "--format", fmt],
                                 input="x\n", prog_name="adcli")
        assert (run.exit_code, run.stdout) == (0, out), fmt
        assert "internal error" not in run.stderr
    assert "the points have no rows after their header" in run.stderr
