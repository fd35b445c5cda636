"""Array throughput: value and gradient of sin(x) exp(x) / (1 + x^2) at 10^6 points.

One tape, x a float64 vector, the gradient of the sum (so each entry's derivative),
against the hand-written numpy derivative of the same function in the same run.
Median of 5 runs. Target: adcli at most 1.5 times the hand-written time. The two
derivatives must agree. Run: `python bench/bench_arrays.py`.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import adcli as tf

N = 10**6
RUNS = 5
TARGET_RATIO = 1.5


def with_tape(x_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = tf.constant(x_values)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sin(x) * tf.exp(x) / (1.0 + x * x)
    dy = tape.gradient(y, x)
    # np.asarray reads the values without the copy that .numpy() makes, as the
    # hand-written version returns its arrays without copying them.
    return np.asarray(y), np.asarray(dy)


def by_hand(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f = s e / q with s = sin x, e = exp x, q = 1 + x^2:
    f' = e (cos x + s) / q - s e 2x / q^2."""
    s, e = np.sin(x), np.exp(x)
    q = 1.0 + x * x
    se = s * e
    y = se / q
    dy = (e * np.cos(x) + se - y * (2.0 * x)) / q
    return y, dy


def timed(f, x: np.ndarray) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    start = time.perf_counter()
    result = f(x)
    return time.perf_counter() - start, result


def main() -> None:
    x = np.random.default_rng(0).uniform(-3.0, 3.0, N)
    with_tape(x[:10])  # warm up imports and caches
    # The two alternate, run by run, so that a busy moment of the machine falls on both.
    tape_times, hand_times = [], []
    for _ in range(RUNS):
        seconds, (y_tape, dy_tape) = timed(with_tape, x)
        tape_times.append(seconds)
        del y_tape, dy_tape
        seconds, (y_hand, dy_hand) = timed(by_hand, x)
        hand_times.append(seconds)
        del y_hand, dy_hand
    tape_s, hand_s = statistics.median(tape_times), statistics.median(hand_times)
    y_tape, dy_tape = with_tape(x)
    y_hand, dy_hand = by_hand(x)
    ratio = tape_s / hand_s
    # Relative to the size of the terms the derivative sums, e (|cos x| + |sin x| +
    # |2x f|) / q, not to f' itself, which passes through zero between the points.
    terms = np.exp(x) * (np.abs(np.cos(x)) + np.abs(np.sin(x))) + np.abs(2.0 * x * y_hand)
    max_rel = float(np.max(np.abs(dy_tape - dy_hand) / (terms / (1.0 + x * x))))
    value_rel = float(np.max(np.abs(y_tape - y_hand) / np.maximum(np.abs(y_hand), 1e-300)))
    rows = [
        ("adcli value + gradient (ms)", f"{tape_s * 1e3:.1f}", "-", "-"),
        ("hand-written numpy (ms)", f"{hand_s * 1e3:.1f}", "-", "-"),
        ("ratio adcli / numpy", f"{ratio:.2f}", f"<= {TARGET_RATIO:g}",
         "PASS" if ratio <= TARGET_RATIO else "MISS"),
        ("max relative error, gradient", f"{max_rel:.1e}", "<= 1e-12",
         "PASS" if max_rel <= 1e-12 else "MISS"),
        ("max relative error, value", f"{value_rel:.1e}", "<= 1e-12",
         "PASS" if value_rel <= 1e-12 else "MISS"),
    ]
    header = ("measure", "figure", "target", "result")
    widths = [max(len(row[k]) for row in [*rows, header]) for k in range(4)]
    print(f"{header[0]:<{widths[0]}}  {header[1]:>{widths[1]}}  {header[2]:>{widths[2]}}  "
          f"{header[3]}")
    for name, figure, target, verdict in rows:
        print(f"{name:<{widths[0]}}  {figure:>{widths[1]}}  {target:>{widths[2]}}  {verdict}")
    print(f"({N} points, float64, median of {RUNS} runs)")


if __name__ == "__main__":
    main()
