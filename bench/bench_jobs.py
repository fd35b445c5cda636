"""`--jobs N`: the streaming job of bench_cli.py in worker processes.

Issue 14, item 3. The value and first derivative of `sin(x)*exp(x)/(1+x*x)` for
10^6 rows from `--points -` to `--format csv` (bench_cli.py's streaming job), with
`--jobs 1` (one process, as before) and `--jobs 2`, interleaved run by run, RUNS
times each; the medians are compared. Targets, on a 2-core machine:

- time: `--jobs 2` at most 0.65 times `--jobs 1`;
- output: byte for byte the same (standard output and standard error);
- memory: the peak of all the processes of a `--jobs 2` run together (the parent and
  its workers: the sum of each one's peak resident set, VmHWM, read from /proc every
  10 ms while it runs) under 200 MiB. The sum counts the pages a forked worker shares
  with its parent once in each, so it overstates the memory really used; the sum of
  the proportional set sizes (Pss, shared pages split between their users), at the
  moment it peaked, is printed beside it for reference.

The timed runs are not watched (watching costs CPU on a 2-core machine); the memory
is measured in separate runs (MEMORY_RUNS, the largest kept). The CPU time of all the
processes (parent and workers) is printed too: what working in parallel costs beside
what it saves, a figure that other jobs on the machine do not change as they change
the wall times (the load average is printed before and after). Prints a table of
measure, figure, target and PASS/MISS. Run: `python bench/bench_jobs.py [--runs N]
[--rows N]`.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ADCLI = str(Path(sys.executable).with_name("adcli"))
PROGRAM = "sin(x)*exp(x)/(1+x*x)"
MEMORY_RUNS = 2


def write_points(path: Path, rows: int) -> None:
    """bench_cli.py's points: `rows` values from -3 to 3, every digit."""
    x = np.linspace(-3.0, 3.0, rows)
    with open(path, "w") as out:
        out.write("x\n")
        np.savetxt(out, x, fmt="%.17g")


def command(jobs: int) -> list[str]:
    return [ADCLI, "grad", PROGRAM, "--points", "-", "--format", "csv", "--jobs", str(jobs)]


def timed(jobs: int, points: Path, out: Path, err: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all its processes) of one run; raises if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(points, "rb") as stdin, open(out, "wb") as stdout, open(err, "wb") as stderr:
        start = time.perf_counter()
        code = subprocess.call(command(jobs), stdin=stdin, stdout=stdout, stderr=stderr)
        elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        raise SystemExit(f"--jobs {jobs} failed ({code}): {err.read_text()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _status(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS of a process, in KiB ({} once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return {line.split(":")[0]: int(line.split()[1]) for line in f
                    if line.startswith(("VmHWM:", "VmRSS:"))}
    except (OSError, ValueError, IndexError):
        return {}


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    except (OSError, StopIteration, ValueError):
        return 0


def watched(jobs: int, points: Path) -> tuple[float, float, int]:
    """One run's memory: (the sum of every process's peak resident set, in MiB; the
    largest sum of proportional set sizes seen at one time, in MiB; the number of
    processes seen)."""
    with open(points, "rb") as stdin:
        child = subprocess.Popen(command(jobs), stdin=stdin, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        peaks: dict[int, int] = {}
        pss_peak = 0
        while child.poll() is None:
            pids = [child.pid, *_children(child.pid)]
            pss = 0
            for pid in pids:
                hwm = _status(pid).get("VmHWM")
                if hwm is not None:
                    peaks[pid] = max(peaks.get(pid, 0), hwm)
                    pss += _pss(pid)
            pss_peak = max(pss_peak, pss)
            time.sleep(0.01)
    if child.returncode != 0:
        raise SystemExit(f"--jobs {jobs} failed ({child.returncode})")
    return sum(peaks.values()) / 1024, pss_peak / 1024, len(peaks)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (>= 3)")
    parser.add_argument("--rows", type=int, default=10**6, help="rows of the stream")
    args = parser.parse_args()
    loads = os.getloadavg()  # other jobs on the machine make the ratio meaningless

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        points = directory / "points.csv"
        write_points(points, args.rows)
        outputs = {jobs: (directory / f"out{jobs}.csv", directory / f"err{jobs}.txt")
                   for jobs in (1, 2)}
        for jobs, (out, err) in outputs.items():  # warm the file cache and the .pyc files
            timed(jobs, points, out, err)
        same = all(filecmp.cmp(outputs[1][i], outputs[2][i], shallow=False) for i in (0, 1))
        times: dict[int, list[float]] = {1: [], 2: []}
        cpu: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.runs):
            for jobs, (out, err) in outputs.items():
                wall, used = timed(jobs, points, out, err)
                times[jobs].append(wall)
                cpu[jobs].append(used)
        memory = {jobs: max(watched(jobs, points) for _ in range(MEMORY_RUNS))
                  for jobs in (1, 2)}

    one, two = statistics.median(times[1]), statistics.median(times[2])
    total, pss, processes = memory[2]
    rows = [
        (f"stream {args.rows} rows, --jobs 1 (median)", f"{one:.2f} s", "reference", ""),
        (f"stream {args.rows} rows, --jobs 2 (median)", f"{two:.2f} s", "", ""),
        ("  ratio to --jobs 1", f"{two / one:.2f}x", "<= 0.65x", verdict(two <= 0.65 * one)),
        ("  CPU time, all processes, ratio to --jobs 1",
         f"{statistics.median(cpu[2]) / statistics.median(cpu[1]):.2f}x", "reference", ""),
        ("  output the same as --jobs 1", "yes" if same else "no", "yes", verdict(same)),
        (f"  peak memory, {processes} processes, sum of peaks", f"{total:.0f} MiB",
         "< 200 MiB", verdict(total < 200)),
        ("  peak memory, sum of Pss", f"{pss:.0f} MiB", "reference", ""),
        ("--jobs 1 peak memory", f"{memory[1][0]:.0f} MiB", "reference", ""),
    ]
    widths = [max(len(row[i]) for row in rows + [("measure", "figure", "target", "")])
              for i in range(3)]
    print(f"{'measure':<{widths[0]}}  {'figure':>{widths[1]}}  {'target':>{widths[2]}}  result")
    for name, figure, target, result in rows:
        print(f"{name:<{widths[0]}}  {figure:>{widths[1]}}  {target:>{widths[2]}}  {result}")
    print(f"(wall times: {', '.join(f'{t:.2f}' for t in times[1])} s with --jobs 1; "
          f"{', '.join(f'{t:.2f}' for t in times[2])} s with --jobs 2; CPU times: "
          f"{', '.join(f'{t:.2f}' for t in cpu[1])} s; {', '.join(f'{t:.2f}' for t in cpu[2])} "
          f"s; {os.cpu_count()} CPUs; load average {loads[0]:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after; {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
