"""numpy, imported on first use: `from adcli.engine.lazy_numpy import np`.

One responsibility: let every module of adcli write `np.<name>` while a program whose
inputs and values are all scalars never imports numpy (issue 15: importing numpy is
about 80 ms, most of a one-shot `adcli grad` at one point; scalars run on the
primitives' scalar forms instead, see adcli/engine/primitives.py).

`np` is a module object that stands for numpy. Its first attribute lookup imports
numpy and copies numpy's namespace into it, then makes it a plain module, so that
every later lookup (`np.add`, `isinstance(x, np.ndarray)`) is a module-dictionary
lookup, as fast as on numpy itself; a name numpy creates later (its lazily imported
submodules) is looked up by numpy's own module __getattr__. Module-level code must
therefore not touch `np.<name>`: a numpy function a module needs at import time is
named by a string and looked up when first called (see `defprim`'s `impl`).

Imports only the standard library (and numpy, on first use).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Open `float_errors_ignored` blocks entered before numpy was imported, and the error
# settings numpy had when it was imported inside one (restored when the outermost ends).
_QUIET: list[None] = []
_SAVED: list[dict[str, str]] = []


class _OnDemand(types.ModuleType):
    """numpy's stand-in: imports numpy at its first attribute lookup, then is a copy of it."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy, pickle and inspect probe dunders: not a use
        import numpy

        if self.__dict__.get("__version__") is None:
            self.__dict__.update(
                (k, v) for k, v in numpy.__dict__.items() if k not in ("__name__", "__spec__")
            )
            # A plain module from now on: a class with __getattr__ makes every lookup
            # take CPython's slow attribute hook (about 5% of a scalar tape loop). Names
            # numpy makes later come from numpy's own module __getattr__, copied above.
            self.__class__ = types.ModuleType
            if _QUIET and not _SAVED:
                _SAVED.append(numpy.seterr(all="ignore"))
        return getattr(numpy, name)


np: Any = _OnDemand("numpy", "numpy, imported on first attribute lookup")


@contextmanager
def float_errors_ignored() -> Iterator[None]:
    """`np.errstate(all="ignore")` that does not import numpy: numpy's floating-point
    warnings are off inside, also when numpy is first imported inside (its settings are
    then put back when the outermost such block ends). adcli reports nan and inf itself."""
    if np.__dict__.get("__version__") is not None:
        with np.errstate(all="ignore"):
            yield
        return
    _QUIET.append(None)
    try:
        yield
    finally:
        _QUIET.pop()
        if not _QUIET and _SAVED:
            np.seterr(**_SAVED.pop())
