"""The progress bar of a long grid or points job: on standard error when that is a
terminal, never on standard output, which is byte for byte what it is without a
terminal. ADCLI_PROGRESS_DELAY (seconds, default 1) says when the bar appears.

The installed `adcli` runs with its standard error on a pseudo-terminal and its
standard output on a pipe, with no delay, on a grid of two chunks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import pytest

pty = pytest.importorskip("pty")

JOB = ["eval", "x", "--at", "x=0:1:66000", "--format", "csv"]  # two chunks
ENV = {**os.environ, "ADCLI_PROGRESS_DELAY": "0", "TERM": "xterm", "COLUMNS": "80",
       "NO_COLOR": "1"}


def adcli_argv() -> list[str]:
    path = shutil.which("adcli")
    return [path] if path else [sys.executable, "-m", "adcli"]


def run(args: list[str], terminal: bool) -> tuple[int, bytes, bytes]:
    """(exit code, standard output, what standard error received: the terminal's bytes
    with `terminal`, else the pipe's)."""
    if not terminal:
        done = subprocess.run(adcli_argv() + args, capture_output=True, env=ENV, timeout=60)
        return done.returncode, done.stdout, done.stderr
    controller, terminal_end = pty.openpty()
    received = bytearray()

    def read() -> None:
        while True:
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            received.extend(data)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        child = subprocess.Popen(adcli_argv() + args, stdout=subprocess.PIPE,
                                 stderr=terminal_end, stdin=subprocess.DEVNULL, env=ENV)
        os.close(terminal_end)
        stdout, _ = child.communicate(timeout=60)
    finally:
        reader.join(timeout=10)
        os.close(controller)
    return child.returncode, stdout, bytes(received)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_bar_goes_to_the_terminal_on_stderr_and_stdout_stays_the_same(jobs):
    code, plain, quiet = run(JOB + ["--jobs", jobs], terminal=False)
    assert code == 0
    assert quiet == b""  # no terminal: no bar
    assert plain.startswith(b"x,f\n0.0,0.0\n")
    assert plain.count(b"\n") == 66001
    code, shown, screen = run(JOB + ["--jobs", jobs], terminal=True)
    assert code == 0
    assert shown == plain
    assert b"points" in screen  # the bar's label, drawn on the terminal
    assert b"\x1b[?25l" in screen  # rich hides the cursor while the bar is live


def test_progress_delay_is_read_from_the_environment(monkeypatch):
    from adcli.cli.points import progress_delay

    for text, delay in [("0.25", 0.25), ("0", 0.0), ("soon", 1.0), ("-2", 1.0),
                        ("nan", 1.0)]:
        monkeypatch.setenv("ADCLI_PROGRESS_DELAY", text)
        assert progress_delay() == delay
    monkeypatch.delenv("ADCLI_PROGRESS_DELAY")
    assert progress_delay() == 1.0
