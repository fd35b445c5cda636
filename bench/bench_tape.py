"""Tape overhead: microseconds per recorded loop iteration, record plus backward pass.

The loop of issue 2, section 6: `out = 1.0; for i in range(30000): if i % 3 != 0:
out = out * x + 1e-6`, then `gradient(out, x)` at x = 1.0. The same loop on plain
Python floats (no derivatives) runs in the same process for scale. Median of 5
runs. Targets: at most 10 us per iteration, and at most 150 times the plain loop
(issue 15: scalar Tensors hold Python floats and run the primitives' scalar forms;
PyTorch eager is about 290 times). Run: `python bench/bench_tape.py`.
"""

from __future__ import annotations

import statistics
import time

import adcli as tf

N = 30000
RUNS = 5
TARGET_US = 10.0
TARGET_RATIO = 150.0


def taped() -> tuple[float, float]:
    """Seconds for one record + backward pass, and the derivative it found."""
    start = time.perf_counter()
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = 1.0
        for i in range(N):
            if i % 3 != 0:
                out = out * x + 1e-6
    derivative = tape.gradient(out, x)
    return time.perf_counter() - start, float(derivative)


def plain() -> float:
    """Seconds for the same loop on Python floats."""
    start = time.perf_counter()
    x = 1.0
    out = 1.0
    for i in range(N):
        if i % 3 != 0:
            out = out * x + 1e-6
    return time.perf_counter() - start


def exact_derivative() -> float:
    """d out / dx at x = 1: the loop makes out = x^n + 1e-6 (x^(n-1) + ... + 1), n = 20000."""
    n = sum(1 for i in range(N) if i % 3 != 0)
    return n + 1e-6 * sum(range(n))


def main() -> None:
    tape_times, derivative = [], 0.0
    for _ in range(RUNS):
        seconds, derivative = taped()
        tape_times.append(seconds)
    plain_times = [plain() for _ in range(RUNS)]
    per_tape = statistics.median(tape_times) / N * 1e6
    per_plain = statistics.median(plain_times) / N * 1e6
    exact = exact_derivative()
    rows = [
        ("tape, record + backward (us/iteration)", f"{per_tape:.2f}", f"<= {TARGET_US:g}",
         "PASS" if per_tape <= TARGET_US else "MISS"),
        ("plain Python floats (us/iteration)", f"{per_plain:.3f}", "-", "-"),
        ("tape / plain", f"{per_tape / per_plain:.0f}x", f"<= {TARGET_RATIO:g}x",
         "PASS" if per_tape / per_plain <= TARGET_RATIO else "MISS"),
        ("d out/dx at x=1", f"{derivative:.6f}", f"{exact:.6f}",
         "PASS" if abs(derivative - exact) <= 1e-9 * exact else "MISS"),
    ]
    widths = [max(len(row[k]) for row in rows + [("measure", "figure", "target", "")])
              for k in range(4)]
    print(f"{'measure':<{widths[0]}}  {'figure':>{widths[1]}}  {'target':>{widths[2]}}  result")
    for name, figure, target, verdict in rows:
        print(f"{name:<{widths[0]}}  {figure:>{widths[1]}}  {target:>{widths[2]}}  {verdict}")
    print(f"({N} loop steps, {sum(1 for i in range(N) if i % 3 != 0)} recorded; "
          f"median of {RUNS} runs)")


if __name__ == "__main__":
    main()
