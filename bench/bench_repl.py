"""The REPL against a one-shot command: a long loop, `:grad` after it, memory after it.

Issue 14, item 1. A session records on demand (adcli.lang.session), so that a loop
typed into the REPL costs what it costs in `adcli eval`. Three measures, each a
ratio of two runs made in this invocation, interleaved, medians:

1. The loop `n = 0; while n < 300000: n += 1` piped into `adcli repl --format plain`
   against `adcli eval "n = 0; while n < 300000: n += 1"`, whole processes.
   Target: at most 1.5x.
2. `:grad` after the loop against the same `:grad` in a fresh session given the
   loop's values directly, in one process (adcli.cli.repl.Repl, output to a
   buffer), fifteen calls in each session, the median of all: `:grad n*n wrt n` (the
   loop's own variable) and `:grad x^2 wrt x` (a variable assigned before the loop).
   Target: as fast as on a fresh session (at most 1.5x, for the noise of 2 cores).
3. The peak resident memory of a REPL process after the loop against a fresh
   session's (`n = 0` only). Target: at most 1.5x.

`--old PATH` also runs measure 1 with another build's `adcli` (for the README's
before/after). Run: `python bench/bench_repl.py [--runs N] [--old PATH]`.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ADCLI = str(Path(sys.executable).with_name("adcli"))
LOOP = "n = 0\nwhile n < 300000: n += 1\nn\n"
ONE_SHOT = "n = 0; while n < 300000: n += 1"


def wall(argv: list[str], stdin: str | None = None) -> float:
    """The wall seconds of one child process; exits if it fails."""
    started = time.perf_counter()
    child = subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"{' '.join(argv)} failed: {child.stderr}")
    return seconds


def peak_mib(argv: list[str], stdin: str) -> float:
    """The peak resident memory of one child, from os.wait4."""
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, text=True)
    assert child.stdin is not None
    child.stdin.write(stdin)
    child.stdin.close()
    _pid, status, usage = os.wait4(child.pid, 0)
    if status:
        raise SystemExit(f"{' '.join(argv)} failed with status {status}")
    return usage.ru_maxrss / 1024


def grad_seconds(after_loop: bool, command: str, calls: int = 15) -> list[float]:
    """Seconds of each of `calls` runs of one `:grad` in a session that ran the loop,
    or in a fresh session given the loop's values directly."""
    from adcli.cli.repl import Repl

    repl = Repl("plain", out=io.StringIO(), err=io.StringIO())
    repl.handle("x = 0.5")
    repl.handle("n = 0")
    repl.handle("while n < 300000: n += 1" if after_loop else "n = 300000")
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        repl.handle(command)
        times.append(time.perf_counter() - started)
    assert repl.failures == 0, repl.err.getvalue()  # type: ignore[attr-defined]
    return times


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio <= target else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--old", help="another build's adcli executable, for comparison")
    args = parser.parse_args()

    repl_times, eval_times, old_times = [], [], []
    for _ in range(args.runs):
        repl_times.append(wall([ADCLI, "repl", "--format", "plain"], LOOP))
        eval_times.append(wall([ADCLI, "eval", ONE_SHOT, "--format", "plain"]))
        if args.old:
            old_times.append(wall([args.old, "repl", "--format", "plain"], LOOP))
    repl_s, eval_s = statistics.median(repl_times), statistics.median(eval_times)

    rows = [("loop in the REPL", f"{repl_s:.2f} s", "", ""),
            ("the same loop, adcli eval", f"{eval_s:.2f} s", "", ""),
            ("  ratio", f"{repl_s / eval_s:.2f}x", "<= 1.5x",
             verdict(repl_s / eval_s, 1.5))]
    if old_times:
        rows.append(("loop in the REPL, --old build", f"{statistics.median(old_times):.2f} s",
                     "", ""))

    for command in (":grad n*n wrt n", ":grad x^2 wrt x"):
        fresh, after = [], []
        for _ in range(args.runs):
            fresh += grad_seconds(False, command)
            after += grad_seconds(True, command)
        ratio = statistics.median(after) / statistics.median(fresh)
        rows.append((f"{command} after the loop", f"{statistics.median(after) * 1e3:.2f} ms",
                     "", ""))
        rows.append((f"{command}, fresh session", f"{statistics.median(fresh) * 1e3:.2f} ms",
                     "", ""))
        rows.append(("  ratio", f"{ratio:.2f}x", "<= 1.5x", verdict(ratio, 1.5)))

    fresh_mib = statistics.median(peak_mib([ADCLI, "repl", "--format", "plain"], "n = 0\n")
                                  for _ in range(3))
    loop_mib = statistics.median(peak_mib([ADCLI, "repl", "--format", "plain"], LOOP)
                                 for _ in range(3))
    rows += [("peak memory after the loop", f"{loop_mib:.0f} MiB", "", ""),
             ("peak memory, fresh session", f"{fresh_mib:.0f} MiB", "", ""),
             ("  ratio", f"{loop_mib / fresh_mib:.2f}x", "<= 1.5x",
              verdict(loop_mib / fresh_mib, 1.5))]

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'figure':>10}  {'target':>8}  result")
    for name, figure, target, result in rows:
        print(f"{name:<{width}}  {figure:>10}  {target:>8}  {result}")
    if any(r[3] == "MISS" for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
