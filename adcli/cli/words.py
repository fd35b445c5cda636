"""How the command line names what the library's errors are about.

One responsibility: the table from library parameters and limit fields to the
options a command-line user types, so that an error raised in the library's words
(`direction`, `Limits(max_call_depth=N)`) is printed in the command line's
(`--dir`, `adcli --max-depth N`). The CLI and the REPL render every AdcliError
with `PHRASING`. Imports adcli.errors only.
"""

from __future__ import annotations

from adcli.errors import AdcliError, Phrasing

OPTIONS = {
    "at": "--at", "let": "--let", "wrt": "--wrt", "order": "--order", "engine": "--engine",
    "precision": "--precision", "direction": "--dir", "unconnected": "--unconnected",
    "of": "--of",
}

# Each limit that has a global option, with the Python spelling for API users.
LIMIT_OPTIONS = {
    "max_iterations": "--max-iterations", "max_tensor_elements": "--max-elements",
    "max_call_depth": "--max-depth", "max_partials": "--max-partials",
    "max_tape_operations": "--max-tape-operations", "max_memory_mb": "--max-memory",
    "time_seconds": "--time-limit",
}

# What a limit's value is, where it is not a count.
_VALUE = {"time_seconds": "SECONDS", "max_memory_mb": "MIB"}

PHRASING = Phrasing(
    options=OPTIONS,
    limits={field: f"adcli {option} {_VALUE.get(field, 'N')} "
                   f"(Python: Limits({field}={_VALUE.get(field, 'N')}))"
            for field, option in LIMIT_OPTIONS.items()},
)


def render(error: AdcliError) -> str:
    """An error as the command line prints it."""
    return error.render(PHRASING)
