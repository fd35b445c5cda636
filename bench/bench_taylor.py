"""Benchmark: whole `adcli grad` processes for high derivatives of sin(x)*exp(x)/(1+x*x).

Each case runs the installed `adcli` command (start-up included) several times and
reports the median wall time and the relative error of the highest derivative
against an mpmath reference at 60 digits, beside its target, with PASS or MISS.
Run: python bench/bench_taylor.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal

import mpmath

PROGRAM = "sin(x)*exp(x)/(1+x*x)"
CASES = [  # order, precision, time target (s), relative error target
    (8, None, 0.3, 1e-12),
    (20, None, 0.3, 1e-9),
    (100, 30, 1.0, 1e-25),
]


def adcli_command() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "adcli")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "adcli"]


def reference(order: int) -> mpmath.mpf:
    with mpmath.workdps(60):
        f = lambda x: mpmath.sin(x) * mpmath.exp(x) / (1 + x * x)  # noqa: E731
        return mpmath.taylor(f, mpmath.mpf("0.5"), order)[order] * mpmath.factorial(order)


def run_case(order: int, precision: int | None, runs: int) -> tuple[float, float]:
    command = adcli_command() + ["grad", PROGRAM, "--at", "x=0.5", "--order", str(order),
                                 "--format", "plain", "-q"]
    if precision is not None:
        command += ["--precision", str(precision)]
    times, last = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        last = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        times.append(time.perf_counter() - start)
    value = Decimal(last.split()[-1])
    with mpmath.workdps(60):
        exact = reference(order)
        error = abs((mpmath.mpf(str(value)) - exact) / exact)
    return statistics.median(times), float(error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"adcli grad {PROGRAM!r} --at x=0.5 (median of {args.runs} whole processes)")
    for order, precision, time_target, error_target in CASES:
        seconds, error = run_case(order, precision, args.runs)
        ok = seconds <= time_target and error <= error_target
        label = f"order {order:>3} " + (f"--precision {precision}" if precision else "float64")
        print(f"{label:<28} {seconds:6.3f} s (target <= {time_target} s)  "
              f"rel. error {error:.1e} (target <= {error_target:.0e})  "
              f"{'PASS' if ok else 'MISS'}")


if __name__ == "__main__":
    main()
