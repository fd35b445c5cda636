"""Jacobians and Hessians in one vectorized pass, against hand-written numpy (issue 13).

Measured in one run, in-process, interleaved, medians:

- the Jacobian of `sin(x)*exp(x)/(1+x*x)` with x of 1000 entries (a diagonal 1000 x
  1000 matrix): record on a tape, then `tape.jacobian` in one pass (auto mode: forward,
  a tangent per entry), against the hand-written `np.diag(f'(x))`. Target: at most
  100 times the hand-written time (PyTorch, vectorize=True, is at about 115 times);
- the Hessian of `sum(sin(x)*x) + sum(x)^2` with x of 200 entries: nested tapes, the
  gradient in reverse mode and its Jacobian in one forward pass (forward-over-reverse),
  against the hand-written `np.diag(2 cos(x) - x sin(x)) + 2`. Target: at most 500
  times (JAX's jax.hessian is at about 1100 times);
- for reference, the same in reverse mode; row by row (one backward pass per entry,
  `experimental_use_pfor=False`: adcli before issue 13), on a tape that does not
  record the passes and on one that does (as `adcli.api.jacobian`, the CLI and the
  language's jacobian() ran it, each pass then walking the records of all passes
  before it: the 8.4 s of issue 13); and both through `adcli.api` (program text,
  parsed, run, and its digits verified).

Peers, from issue 13 (measured there in one run, best of three): Jacobian 1000 -
PyTorch (vectorize=True) 0.046 s, HIPS autograd 0.087 s, JAX jacrev 0.198 s,
TensorFlow 0.217 s; Hessian 200 - JAX 0.045 s, autograd 0.063 s, PyTorch 0.080 s,
TensorFlow 0.213 s. Run: `python bench/bench_jacobian.py`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import adcli as tf
from adcli import api

N_JACOBIAN = 1000
N_HESSIAN = 200
RUNS = 7
JACOBIAN_TARGET = 100.0
HESSIAN_TARGET = 500.0
PEERS = {
    "jacobian": "PyTorch 0.046 s, autograd 0.087 s, JAX 0.198 s, TensorFlow 0.217 s",
    "hessian": "JAX 0.045 s, autograd 0.063 s, PyTorch 0.080 s, TensorFlow 0.213 s",
}


def f(x: Any) -> Any:
    return tf.sin(x) * tf.exp(x) / (1.0 + x * x)


def jacobian(x0: np.ndarray, **options: Any) -> np.ndarray:
    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.jacobian(y, x, **options).numpy()


def jacobian_by_hand(x: np.ndarray) -> np.ndarray:
    s, c, e = np.sin(x), np.cos(x), np.exp(x)
    d = 1.0 + x * x
    return np.diag(((c + s) * e * d - 2.0 * x * s * e) / (d * d))


def hessian(x0: np.ndarray, **options: Any) -> np.ndarray:
    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.sin(x) * x) + tf.reduce_sum(x) ** 2
        g = inner.gradient(y, x)
    return outer.jacobian(g, x, **options).numpy()


def hessian_by_hand(x: np.ndarray) -> np.ndarray:
    return np.diag(2.0 * np.cos(x) - x * np.sin(x)) + 2.0


def jacobian_recorded_rows(x0: np.ndarray) -> np.ndarray:
    x = tf.constant(x0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
        return tape.jacobian(y, x, experimental_use_pfor=False).numpy()


def jacobian_of_text(x0: np.ndarray) -> np.ndarray:
    return api.jacobian("sin(x)*exp(x)/(1+x*x)", {"x": x0}).derivative("x")


def hessian_of_text(x0: np.ndarray) -> np.ndarray:
    return api.hessian("sum(sin(x)*x) + sum(x)^2", {"x": x0})[1]


def seconds(fn: Callable[[], Any], repeat: int = 1) -> float:
    """The time of one call, averaged over `repeat` calls in a row."""
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def measure(cases: dict[str, tuple[Callable[[], Any], int]], runs: int) -> dict[str, float]:
    """Median seconds of each case, the cases interleaved run after run."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (fn, repeat) in cases.items():
            times[name].append(seconds(fn, repeat))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    xj = np.linspace(-1.0, 1.0, N_JACOBIAN)
    xh = np.linspace(-1.0, 1.0, N_HESSIAN)
    errors = {
        "jacobian": float(np.max(np.abs(jacobian(xj) - jacobian_by_hand(xj)))),
        "hessian": float(np.max(np.abs(hessian(xh) - hessian_by_hand(xh)))),
        "api.hessian": float(np.max(np.abs(hessian_of_text(xh) - hessian_by_hand(xh)))),
        "api.jacobian": float(np.max(np.abs(jacobian_of_text(xj) - jacobian_by_hand(xj)))),
    }
    median = measure({
        "jacobian": (lambda: jacobian(xj), 1),
        "jacobian, reverse mode": (lambda: jacobian(xj, mode="reverse"), 1),
        "jacobian by hand": (lambda: jacobian_by_hand(xj), 50),
        "api.jacobian": (lambda: jacobian_of_text(xj), 1),
        "hessian": (lambda: hessian(xh), 5),
        "hessian, reverse-over-reverse": (lambda: hessian(xh, mode="reverse"), 5),
        "hessian by hand": (lambda: hessian_by_hand(xh), 500),
        "api.hessian": (lambda: hessian_of_text(xh), 1),
        "hessian, rows": (lambda: hessian(xh, experimental_use_pfor=False), 1),
    }, RUNS)
    rows_jacobian = seconds(lambda: jacobian(xj, experimental_use_pfor=False))
    recorded_rows = seconds(lambda: jacobian_recorded_rows(xj))
    j_ratio = median["jacobian"] / median["jacobian by hand"]
    h_ratio = median["hessian"] / median["hessian by hand"]
    lines = [
        ("Jacobian, 1000 entries: one pass (forward mode)", f"{median['jacobian']:.4f} s",
         f"{j_ratio:.0f}x hand", f"<= {JACOBIAN_TARGET:g}x",
         "PASS" if j_ratio <= JACOBIAN_TARGET else "MISS"),
        ("  one pass, reverse mode", f"{median['jacobian, reverse mode']:.4f} s",
         f"{median['jacobian, reverse mode'] / median['jacobian by hand']:.0f}x hand", "-", "-"),
        ("  hand-written np.diag(f'(x))", f"{median['jacobian by hand'] * 1e3:.3f} ms", "1x",
         "-", "-"),
        ("  adcli.api.jacobian (program text)", f"{median['api.jacobian']:.4f} s",
         f"{median['api.jacobian'] / median['jacobian by hand']:.0f}x hand", "-", "-"),
        ("  row by row, not recorded (one run)", f"{rows_jacobian:.2f} s",
         f"{rows_jacobian / median['jacobian by hand']:.0f}x hand", "-", "-"),
        ("  row by row, recorded (one run; api before issue 13)", f"{recorded_rows:.2f} s",
         f"{recorded_rows / median['jacobian by hand']:.0f}x hand", "-", "-"),
        ("Hessian, 200 entries: forward-over-reverse", f"{median['hessian'] * 1e3:.2f} ms",
         f"{h_ratio:.0f}x hand", f"<= {HESSIAN_TARGET:g}x",
         "PASS" if h_ratio <= HESSIAN_TARGET else "MISS"),
        ("  reverse-over-reverse", f"{median['hessian, reverse-over-reverse'] * 1e3:.2f} ms",
         f"{median['hessian, reverse-over-reverse'] / median['hessian by hand']:.0f}x hand",
         "-", "-"),
        ("  hand-written np.diag(...) + 2", f"{median['hessian by hand'] * 1e6:.1f} us", "1x",
         "-", "-"),
        ("  row by row (before issue 13)", f"{median['hessian, rows'] * 1e3:.1f} ms",
         f"{median['hessian, rows'] / median['hessian by hand']:.0f}x hand", "-", "-"),
        ("  adcli.api.hessian (program text)", f"{median['api.hessian'] * 1e3:.1f} ms",
         f"{median['api.hessian'] / median['hessian by hand']:.0f}x hand", "-", "-"),
    ]
    header = ("measure", "median", "ratio", "target", "result")
    widths = [max(len(row[k]) for row in [header, *lines]) for k in range(5)]
    for row in [header, *lines]:
        print("  ".join(cell.ljust(w) if k == 0 else cell.rjust(w)
                        for k, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
    print(f"largest differences from the hand-written: Jacobian {errors['jacobian']:.1e}, "
          f"api.jacobian {errors['api.jacobian']:.1e}, Hessian {errors['hessian']:.1e}, "
          f"api.hessian {errors['api.hessian']:.1e}")
    print(f"peers (issue 13): Jacobian 1000: {PEERS['jacobian']}; Hessian 200: "
          f"{PEERS['hessian']}")
    print(f"(medians of {RUNS} interleaved runs; the row-by-row Jacobians are one run each)")


if __name__ == "__main__":
    main()
