"""The time limit (`Limits.time_seconds`, `adcli --time-limit SECONDS`): a deadline
that stops whatever is running, cleanly, with a limit error that says what it was.

One responsibility: deadlines. `time_limit(seconds)` opens one around a piece of work
(a command, an API call, one REPL input; nested ones keep the earliest). On the main
thread of a Unix process an interval timer (SIGALRM) interrupts the work wherever it
is (the interpreter, a backward pass, Taylor mode, mpmath, writing output) by raising
`TimeLimitReached` there; elsewhere the interpreter's step counter looks at the clock
(`check`), so that loops and calls stop too. `TimeLimitReached` is a BaseException, as
KeyboardInterrupt is, so that no `except Exception` on the way (a fallback to another
engine) can swallow it; the timer fires again every 50 ms until the block ends, in
case something catches it anyway. The block turns it into an AdcliLimitError naming
what was running (`doing`, the innermost phase: "running the program", "computing
the derivatives", ...) and, when the interpreter was running, where (`Span`).

Imports the standard library and adcli.errors only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from adcli.errors import AdcliLimitError, Setting, Span

_REPEAT = 0.05  # seconds between further alarms once the deadline has passed


class TimeLimitReached(BaseException):  # noqa: N818 - KeyboardInterrupt's kind, not an error
    """The deadline of the innermost `time_limit` passed. The interpreter sets `span` and
    `source` to where it was."""

    def __init__(self) -> None:
        super().__init__("the time limit ran out")
        self.phase = _PHASES[-1] if _PHASES else None  # what was running
        self.span: Span | None = None
        self.source: str | None = None


# Open deadlines (time.monotonic() values), the time limit each was opened with, and
# the phases of the work (`doing`), innermost last.
_DEADLINES: list[tuple[float, float]] = []
_PHASES: list[str] = []


def active() -> bool:
    """Whether a deadline is open (the interpreter then looks at the clock)."""
    return bool(_DEADLINES)


def check() -> None:
    """Raise TimeLimitReached when the earliest open deadline has passed."""
    if _DEADLINES and time.monotonic() >= min(d for d, _ in _DEADLINES):
        raise TimeLimitReached


@contextmanager
def doing(phase: str) -> Iterator[None]:
    """Name the work inside for a time limit that runs out there ("computing the
    derivatives"). Cheap: one list append."""
    _PHASES.append(phase)
    try:
        yield
    finally:
        _PHASES.pop()


def _alarm(signum: int, frame: Any) -> None:
    import signal

    signal.setitimer(signal.ITIMER_REAL, _REPEAT)  # again, in case it is swallowed
    raise TimeLimitReached


def _uses_signal() -> bool:
    import signal  # here: a call without a time limit never needs it
    import threading

    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None, what: str = "running") -> Iterator[None]:
    """Stop the work inside after `seconds` (None: no limit) with an AdcliLimitError
    that names the phase it was in (`what` when no `doing` phase is open) and, when
    the interpreter was running, the line. Nested limits keep the earliest deadline.

    Raises AdcliLimitError (exit code 1 on the command line); ValueError for a limit
    that is not a positive number."""
    if seconds is None:
        yield
        return
    if not seconds > 0:
        raise ValueError(f"a time limit must be a positive number of seconds, not {seconds!r}")
    deadline = time.monotonic() + seconds
    outer = min((d for d, _ in _DEADLINES), default=None)
    _DEADLINES.append((deadline, seconds))
    phases = len(_PHASES)
    signalled = _uses_signal()
    if signalled:
        import signal

        # A timer the caller set (not one of ours) is put back when the block ends,
        # less the time the block took.
        foreign = signal.getitimer(signal.ITIMER_REAL) if outer is None else (0.0, 0.0)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, max(min(deadline, outer or deadline)
                                                 - time.monotonic(), 1e-3))
    try:
        yield
    except TimeLimitReached as reached:
        if signalled:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if outer is not None and outer <= deadline:
            raise  # the outer limit ran out: its block reports it
        phase = reached.phase or what
        raise AdcliLimitError(
            f"the time limit of {seconds:g} s ran out while {phase}", reached.span,
            reached.source, hint="if it is meant to run longer, raise the limit",
            limit="time_seconds", settings=(Setting("time_seconds", limit=True),),
        ) from None
    finally:
        _DEADLINES.remove((deadline, seconds))
        del _PHASES[phases:]
        if signalled:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if outer is not None:
                signal.setitimer(signal.ITIMER_REAL, max(outer - time.monotonic(), 1e-3))
            elif foreign[0] > 0:
                spent = time.monotonic() - (deadline - seconds)
                signal.setitimer(signal.ITIMER_REAL, max(foreign[0] - spent, 1e-6), foreign[1])
