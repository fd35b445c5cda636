"""TensorFlow's tf.random namespace: seeded, reproducible random tensors (float32 by default).

`import adcli as tf` gives `tf.random.normal`, `tf.random.uniform`,
`tf.random.truncated_normal` and `tf.random.set_seed`. The numbers come from numpy's
`Generator` (PCG64), so a seed gives the same numbers in every adcli run, but not
TensorFlow's numbers (its generators are Philox and ThreeFry).

Seeds follow TensorFlow's rules: with no seed at all each run differs; `set_seed(s)`
makes the sequence of calls after it reproducible (and calling it again restarts that
sequence); an operation's own `seed=` makes that call reproducible, by itself or
together with the global seed, and repeated calls with one operation seed still give
different numbers, reproducibly. The default dtype is TensorFlow's float32 (adcli's
other constructors default to float64; numpy's promotion widens float32 tensors to
float64 where they meet float64 ones, `dtype=tf.float64` asks for float64 directly).
Imports numpy and the engine's tensor module only.
"""

from __future__ import annotations

from typing import Any

from adcli.engine.lazy_numpy import np
from adcli.engine.tensor import Tensor, as_dtype

__all__ = ["normal", "set_seed", "truncated_normal", "uniform"]

# TensorFlow's DEFAULT_GRAPH_SEED: the global seed an operation seed is combined with
# when set_seed was not called.
_DEFAULT_GLOBAL_SEED = 87654321

_global_seed: int | None = None
# Made on first use: numpy.random costs 20 ms to import, which `import adcli` does not pay.
_generator: Any = None
# How many times each operation seed was used since the global seed was (re)set.
_op_seed_counts: dict[int, int] = {}


def set_seed(seed: int | None) -> None:
    """Set the global seed: the random operations after it give the same numbers in every
    run. `None` goes back to unseeded (fresh entropy) numbers."""
    global _global_seed, _generator
    _global_seed = None if seed is None else int(seed)
    _generator = np.random.default_rng(_global_seed)
    _op_seed_counts.clear()


def _rng(seed: Any) -> Any:
    global _generator
    if seed is None:
        if _generator is None:
            _generator = np.random.default_rng()
        return _generator
    seed = int(seed)
    count = _op_seed_counts.get(seed, 0)
    _op_seed_counts[seed] = count + 1
    global_seed = _DEFAULT_GLOBAL_SEED if _global_seed is None else _global_seed
    return np.random.default_rng([global_seed & 0xFFFFFFFF, seed & 0xFFFFFFFF, count])


def _shape(shape: Any) -> tuple[int, ...]:
    raw = shape._value if isinstance(shape, Tensor) else shape
    if isinstance(raw, (int, np.integer)):
        return (int(raw),)
    return tuple(int(s._value if isinstance(s, Tensor) else s) for s in np.asarray(
        raw, dtype=object).reshape(-1))


def _float_dtype(dtype: Any, name: str) -> np.dtype:
    dt = as_dtype(dtype) or np.dtype(np.float32)
    if dt.kind != "f":
        raise ValueError(f"random.{name} needs a floating dtype, not {dt.name}")
    return dt


def _scalar(value: Any) -> Any:
    return value._value if isinstance(value, Tensor) else np.asarray(value)


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = None,
           seed: int | None = None, name: str | None = None) -> Tensor:
    """Samples of the normal distribution N(mean, stddev^2), of `shape` (float32 by
    default)."""
    dt = _float_dtype(dtype, "normal")
    sample = _rng(seed).standard_normal(_shape(shape))
    out = sample * _scalar(stddev) + _scalar(mean)
    return Tensor._wrap(np.asarray(out, dtype=dt))


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = None,
                     seed: int | None = None, name: str | None = None) -> Tensor:
    """Samples of N(mean, stddev^2) cut at two standard deviations: a sample farther
    from the mean is drawn again, as TensorFlow's truncated_normal does."""
    dt = _float_dtype(dtype, "truncated_normal")
    rng = _rng(seed)
    sample = rng.standard_normal(_shape(shape))
    far = np.abs(sample) > 2.0
    while far.any():
        sample[far] = rng.standard_normal(int(far.sum()))
        far = np.abs(sample) > 2.0
    out = sample * _scalar(stddev) + _scalar(mean)
    return Tensor._wrap(np.asarray(out, dtype=dt))


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = None,
            seed: int | None = None, name: str | None = None) -> Tensor:
    """Samples uniform in [minval, maxval) of `shape` (float32 in [0, 1) by default). An
    integer dtype needs `maxval` and gives integers in [minval, maxval)."""
    dt = as_dtype(dtype) or np.dtype(np.float32)
    rng = _rng(seed)
    if dt.kind in "iu":
        if maxval is None:
            raise ValueError("random.uniform with an integer dtype needs maxval")
        out = rng.integers(_scalar(minval), _scalar(maxval), size=_shape(shape), dtype=dt)
        return Tensor._wrap(np.asarray(out))
    if dt.kind != "f":
        raise ValueError(f"random.uniform needs a floating or integer dtype, not {dt.name}")
    low = _scalar(minval)
    high = np.asarray(1.0) if maxval is None else _scalar(maxval)
    out = np.asarray(low + (high - low) * rng.random(_shape(shape)), dtype=dt)
    # Rounding to float32 can carry a sample just below maxval onto it: keep [min, max).
    top = np.asarray(high, dtype=dt)
    if np.any(out >= top) and np.all(np.asarray(low, dtype=dt) < top):
        out = np.where(out >= top, np.nextafter(top, np.asarray(low, dtype=dt)), out)
    return Tensor._wrap(out)
