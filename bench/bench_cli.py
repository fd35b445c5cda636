"""The command line as a whole process: start-up latency and streaming throughput.

Issue 4, section 6. Two measures, each against a plain-Python/numpy reference run
in the same invocation so that the ratios do not depend on the machine:

1. Latency of `adcli grad "x*x*x" --at x=1 --order 2` (default table, then
   `--format plain` and `--format json`) against `python -c "import numpy"`; the
   four commands are interleaved, each run RUNS times, and the medians compared.
   Targets: at most 1.7x with the table, 1.4x with plain or JSON. When `qalc`
   (libqalculate's command line) is on PATH, `qalc -t "diff(x^3, x, 2, 1)"`, the same
   second derivative, runs interleaved with them too, and the table and plain
   latencies are also given as ratios to it: issue 15's target is at most 1.0x.
   Without qalc that comparison is skipped, and the table says so. Two floors run
   interleaved too: `python -c "import click"` and `python -c "import click,
   rich.console, rich.table"`, what the libraries the design fixes cost before adcli
   does anything (plain output needs click; the table needs both).
2. Streaming: the value and first derivative of `sin(x)*exp(x)/(1+x*x)` for 10^6
   rows from `--points -` to `--format csv`, against a hand-written numpy script
   doing the same job (np.loadtxt, the derivative by hand, np.savetxt with %.17g).
   Target: adcli at most 1.0x the script's time, peak memory (the child's maximum
   resident set, from os.wait4) under 100 MiB, and not growing with the number of
   rows: the same job on 2x10^5 rows is run and the peaks compared.

Prints a table of measure, figure, target and PASS/MISS. The input files live in
a temporary directory. Run: `python bench/bench_cli.py [--runs N] [--rows N]`.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PYTHON = sys.executable
ADCLI = str(Path(sys.executable).with_name("adcli"))
PROGRAM = "sin(x)*exp(x)/(1+x*x)"
LATENCY = [ADCLI, "grad", "x*x*x", "--at", "x=1", "--order", "2"]
# The same second derivative at the same point, from libqalculate (issue 15's peer).
QALC_EXPRESSION = "diff(x^3, x, 2, 1)"

NUMPY_SCRIPT = """
import sys
import numpy as np

x = np.loadtxt(sys.argv[1], skiprows=1, ndmin=1)
s, c, e, q = np.sin(x), np.cos(x), np.exp(x), 1.0 + x * x
f = s * e / q
df = ((c + s) * e * q - s * e * 2.0 * x) / (q * q)
with open(sys.argv[2], "w") as out:
    out.write("x,f,df/dx\\n")
    np.savetxt(out, np.column_stack([x, f, df]), fmt="%.17g", delimiter=",")
"""


TIME = Path("/usr/bin/time")


def run_child(argv: list[str], stdin: Path | None = None,
              stdout: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of one child process; raises if it fails.

    The peak comes from /usr/bin/time when there is one: a child forked from this
    (numpy-importing) process would count this process's pages in its ru_maxrss."""
    report = Path(tempfile.mkstemp(suffix=".maxrss")[1])
    if TIME.exists():
        argv = [str(TIME), "-f", "%M", "-o", str(report)] + argv
    stdin_file = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    stdout_file = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    try:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdin=stdin_file, stdout=stdout_file,
                                 stderr=subprocess.PIPE)
        assert child.stderr is not None
        errors = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    finally:
        for f in (stdin_file, stdout_file):
            if not isinstance(f, int):
                f.close()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}): {errors.decode()}")
    measured = report.read_text().strip().splitlines()
    report.unlink()
    peak_kib = int(measured[-1]) if measured else usage.ru_maxrss
    return elapsed, peak_kib / 1024


def qalc_command() -> list[str] | None:
    """`qalc -t "diff(x^3, x, 2, 1)"` when qalc is on PATH (checked to answer 6, as
    adcli does), else None."""
    qalc = shutil.which("qalc")
    if qalc is None:
        return None
    argv = [qalc, "-t", QALC_EXPRESSION]
    answer = subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    if answer != "6":
        raise SystemExit(f"{' '.join(argv)} answered {answer!r}, not 6")
    return argv


def latency(runs: int, qalc: list[str] | None) -> dict[str, float]:
    """Median seconds of each command, the commands interleaved run by run (qalc's
    too, when it is given)."""
    commands = {
        "import numpy": [PYTHON, "-c", "import numpy"],
        "table": LATENCY,
        "plain": LATENCY + ["--format", "plain"],
        "json": LATENCY + ["--format", "json"],
        "click": [PYTHON, "-c", "import click"],
        "click and rich": [PYTHON, "-c", "import click, rich.console, rich.table"],
    }
    if qalc is not None:
        commands["qalc"] = qalc
    for argv in commands.values():  # warm the file cache and the .pyc files
        run_child(argv)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(run_child(argv)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def write_points(path: Path, rows: int) -> None:
    x = np.linspace(-3.0, 3.0, rows)
    with open(path, "w") as out:
        out.write("x\n")
        np.savetxt(out, x, fmt="%.17g")


def same_output(a: Path, b: Path, rows: int) -> bool:
    """Both outputs have every row, and their first and last rows agree."""
    def ends(path: Path) -> tuple[np.ndarray, int]:
        head: list[str] = []
        tail: collections.deque[str] = collections.deque(maxlen=100)
        count = -1
        with open(path) as f:
            for count, line in enumerate(f):
                if 1 <= count <= 100:
                    head.append(line)
                tail.append(line)
        return np.loadtxt(head + list(tail), delimiter=","), count

    (x, n), (y, m) = ends(a), ends(b)
    return n == m == rows and bool(np.allclose(x, y, rtol=1e-12, atol=1e-300))


def streaming(directory: Path, rows: int) -> dict[str, float]:
    points = directory / f"points_{rows}.csv"
    write_points(points, rows)
    script = directory / "by_hand.py"
    script.write_text(NUMPY_SCRIPT)
    ours, theirs = directory / "adcli.csv", directory / "numpy.csv"
    adcli_argv = [ADCLI, "grad", PROGRAM, "--points", "-", "--format", "csv"]
    numpy_argv = [PYTHON, str(script), str(points), str(theirs)]
    adcli_time, adcli_peak = run_child(adcli_argv, stdin=points, stdout=ours)
    numpy_time, numpy_peak = run_child(numpy_argv)
    if not same_output(ours, theirs, rows):
        raise SystemExit("adcli and the numpy script disagree")
    return {"adcli_time": adcli_time, "adcli_peak": adcli_peak,
            "numpy_time": numpy_time, "numpy_peak": numpy_peak}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="latency runs per command (>= 7)")
    parser.add_argument("--rows", type=int, default=10**6, help="rows for the streaming job")
    args = parser.parse_args()

    qalc = qalc_command()
    medians = latency(args.runs, qalc)
    base = medians["import numpy"]
    with tempfile.TemporaryDirectory() as tmp:
        big = streaming(Path(tmp), args.rows)
        small = streaming(Path(tmp), args.rows // 5)

    rows = [
        ("python -c 'import numpy' (median)", f"{base:.3f} s", "reference", ""),
        ("adcli grad, table (median)", f"{medians['table']:.3f} s", "", ""),
        ("  ratio to import numpy", f"{medians['table'] / base:.2f}x", "<= 1.7x",
         verdict(medians["table"] <= 1.7 * base)),
        ("adcli grad --format plain", f"{medians['plain']:.3f} s", "", ""),
        ("  ratio to import numpy", f"{medians['plain'] / base:.2f}x", "<= 1.4x",
         verdict(medians["plain"] <= 1.4 * base)),
        ("adcli grad --format json", f"{medians['json']:.3f} s", "", ""),
        ("  ratio to import numpy", f"{medians['json'] / base:.2f}x", "<= 1.4x",
         verdict(medians["json"] <= 1.4 * base)),
    ]
    if qalc is None:
        rows.append(("qalc side by side", "skipped", "", "(qalc not on PATH)"))
    else:
        peer = medians["qalc"]
        rows += [
            (f"qalc -t '{QALC_EXPRESSION}' (median)", f"{peer:.3f} s", "reference", ""),
            ("  adcli table / qalc", f"{medians['table'] / peer:.2f}x", "<= 1.0x",
             verdict(medians["table"] <= peer)),
            ("  adcli plain / qalc", f"{medians['plain'] / peer:.2f}x", "<= 1.0x",
             verdict(medians["plain"] <= peer)),
            ("  floor of plain: import click / qalc", f"{medians['click'] / peer:.2f}x",
             "reference", ""),
            ("  floor of the table: import click, rich / qalc",
             f"{medians['click and rich'] / peer:.2f}x", "reference", ""),
        ]
    rows += [
        (f"stream {args.rows} rows: numpy script", f"{big['numpy_time']:.2f} s", "reference", ""),
        (f"stream {args.rows} rows: adcli", f"{big['adcli_time']:.2f} s", "", ""),
        ("  ratio to the numpy script", f"{big['adcli_time'] / big['numpy_time']:.2f}x",
         "<= 1.0x", verdict(big["adcli_time"] <= big["numpy_time"])),
        ("  numpy script peak memory", f"{big['numpy_peak']:.0f} MiB", "reference", ""),
        ("  adcli peak memory", f"{big['adcli_peak']:.0f} MiB", "< 100 MiB",
         verdict(big["adcli_peak"] < 100)),
        (f"  adcli peak at {args.rows // 5} rows", f"{small['adcli_peak']:.0f} MiB",
         "same (+-10%)", verdict(big["adcli_peak"] <= 1.1 * small["adcli_peak"])),
        (f"  numpy peak at {args.rows // 5} rows", f"{small['numpy_peak']:.0f} MiB",
         "reference", ""),
    ]
    widths = [max(len(row[i]) for row in rows + [("measure", "figure", "target", "")])
              for i in range(3)]
    print(f"{'measure':<{widths[0]}}  {'figure':>{widths[1]}}  {'target':>{widths[2]}}  result")
    for name, figure, target, result in rows:
        print(f"{name:<{widths[0]}}  {figure:>{widths[1]}}  {target:>{widths[2]}}  {result}")
    print(f"(latency: median of {args.runs} interleaved runs of each command; "
          f"{os.cpu_count()} CPUs; {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
