"""Points on a Dask cluster against the single-process command line (issue 14, item 4).

The job is bench/bench_cli.py's streaming job: the value and first derivative of
`sin(x)*exp(x)/(1+x*x)` at 10^6 points (the same `write_points`), to CSV. Measured,
the runs of the ways interleaved, medians:

- `adcli grad PROGRAM --points FILE --format csv` on the whole file, one process
  (and `--jobs 2` when `adcli grad --help` offers it);
- `adcli.cli.distributed.run_on_cluster` on a LocalCluster of 2 worker processes of one
  thread each, the points split into FILES files (8), one output file each, run in a
  child process as `adcli grad PROGRAM --points 'data/*.csv' --scheduler ADDRESS
  --output DIR` will run it (Python's start, importing dask.distributed, connecting a
  Client, the job); starting the cluster is not counted (it is reported apart);
- `adcli.dask.differentiate` on `dask.dataframe.read_csv` of the same files (one
  partition per file), written with `to_csv(na_rep="none")` into one file per
  partition, on the same cluster, from this process (a Python session's cost: no
  start-up, no imports).

Figures are rows per second (rows / median seconds) and the speed-up over the single
process, and the best run's, which other load on the machine disturbs least. The
job is text-bound: computing 125,000 points takes about 0.03 s, formatting them as CSV
about 0.4 s with adcli's writer and 0.9 s with pandas' to_csv (the DataFrame way's
sink). The outputs are checked: the cluster's files, joined, hold the bytes the single
process prints; the DataFrame's hold the same numbers. Run: `python bench/bench_dask.py
[--runs N] [--rows N] [--files N]`.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cli import ADCLI, PROGRAM, run_child, write_points  # noqa: E402

# What `adcli grad PROGRAM --points GLOB --scheduler ADDRESS --output DIR` will run, in a
# process of its own as the command will be: Python's start, the imports of adcli and
# dask.distributed, connecting a Client, the job.
CLUSTER_SCRIPT = """
import sys
from adcli.cli.distributed import run_on_cluster
program, pattern, address, output = sys.argv[1:]
run_on_cluster(program, pattern, scheduler=address, output_dir=output)
"""


def split_points(points: Path, directory: Path, files: int) -> list[Path]:
    """The rows of `points` in `files` files of (nearly) equal length, each with the
    header: part-0.csv, part-1.csv, ..."""
    header, *rows = points.read_text().splitlines(keepends=True)
    directory.mkdir()
    paths = []
    for i, part in enumerate(np.array_split(np.arange(len(rows)), files)):
        path = directory / f"part-{i}.csv"
        path.write_text(header + "".join(rows[part[0]:part[-1] + 1]))
        paths.append(path)
    return paths


def has_jobs_option() -> bool:
    """Whether `adcli grad` has --jobs (built in parallel with this benchmark)."""
    help_text = subprocess.run([ADCLI, "grad", "--help"], capture_output=True, text=True,
                               check=True).stdout
    return "--jobs" in help_text


def joined_bodies(paths: list[Path]) -> str:
    """The header of the first file and the rows of every file, in order."""
    texts = [p.read_text() for p in paths]
    return texts[0] + "".join(t.split("\n", 1)[1] for t in texts[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each way (>= 3)")
    parser.add_argument("--rows", type=int, default=10**6, help="points in all")
    parser.add_argument("--files", type=int, default=8, help="files the points are split in")
    args = parser.parse_args()

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import adcli.dask as adcli_dask

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        points = directory / "points.csv"
        write_points(points, args.rows)
        split_points(points, directory / "data", args.files)
        pattern = str(directory / "data" / "part-*.csv")

        started = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster, set_as_default=False)
        # The DataFrame way logs its warnings (lost digits) in the workers: not here.
        client.run(logging.getLogger("adcli.dask").setLevel, logging.ERROR)
        cluster_start = time.perf_counter() - started

        def single(jobs: int | None) -> Callable[[int], None]:
            argv = [ADCLI, "grad", PROGRAM, "--points", str(points), "--format", "csv"]
            if jobs is not None:
                argv += ["--jobs", str(jobs)]

            def run(i: int) -> None:
                run_child(argv, stdout=directory / f"single-{jobs}-{i}.csv")
            return run

        def cluster_files(i: int) -> None:
            run_child([sys.executable, "-c", CLUSTER_SCRIPT, PROGRAM, pattern,
                       cluster.scheduler_address, str(directory / f"cluster-{i}")])

        def dataframe(i: int) -> None:
            frame = dd.read_csv(pattern, blocksize=None)
            result = adcli_dask.differentiate(PROGRAM, frame)
            out = directory / f"frame-{i}"
            client.gather(client.compute(result.to_csv(str(out / "part-*.csv"), index=False,
                                                       na_rep="none", compute=False)))

        ways: dict[str, Callable[[int], None]] = {"CLI, 1 process": single(None)}
        if has_jobs_option():
            ways["CLI --jobs 2"] = single(2)
        ways["run_on_cluster (a process), 2 workers"] = cluster_files
        ways["adcli.dask.differentiate (here), 2 workers"] = dataframe
        for way in ways.values():  # warm: file cache, .pyc files, the workers' imports
            way(-1)
        times: dict[str, list[float]] = {name: [] for name in ways}
        for i in range(args.runs):
            for name, way in ways.items():
                start = time.perf_counter()
                way(i)
                times[name].append(time.perf_counter() - start)

        expected = (directory / "single-None-0.csv").read_text()
        outputs = sorted((directory / "cluster-0").iterdir(), key=lambda p: int(p.stem[5:]))
        same_bytes = joined_bodies(outputs) == expected
        frames = sorted((directory / "frame-0").iterdir(), key=lambda p: int(p.stem[5:]))
        ours = np.loadtxt(joined_bodies(frames).splitlines()[1:], delimiter=",")
        theirs = np.loadtxt(expected.splitlines()[1:], delimiter=",")
        same_numbers = bool(np.array_equal(ours, theirs))
        client.close()
        cluster.close()

    base = statistics.median(times["CLI, 1 process"])
    print(f"{args.rows} rows of {PROGRAM!r} (value and df/dx) to CSV; {args.files} files "
          f"on the cluster; median of {args.runs} interleaved runs")
    width = max(map(len, ways))
    print(f"{'way':<{width}}  {'median':>8}  {'rows/s':>10}  {'speed-up':>8}  "
          f"{'best':>6}  {'rows/s':>10}  runs (s)")
    best_base = min(times["CLI, 1 process"])
    for name, values in times.items():
        median, best = statistics.median(values), min(values)
        print(f"{name:<{width}}  {median:>7.2f}s  {args.rows / median:>10,.0f}  "
              f"{base / median:>7.2f}x  {best:>5.2f}s  {args.rows / best:>10,.0f}  "
              f"{' '.join(f'{v:.2f}' for v in values)}")
    print(f"(speed-up: the single process's median over the way's; best-run speed-up of "
          f"run_on_cluster {best_base / min(times['run_on_cluster (a process), 2 workers']):.2f}x)")
    print(f"LocalCluster start (2 worker processes): {cluster_start:.2f} s, not counted")
    print(f"cluster outputs joined == the CLI's output, byte for byte: {same_bytes}")
    print(f"DataFrame outputs == the CLI's numbers: {same_numbers}")
    print(f"({os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; "
          f"{sys.version.split()[0]})")


if __name__ == "__main__":
    main()
