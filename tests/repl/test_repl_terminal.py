"""`adcli repl` in a pseudo-terminal, as a person uses it: the installed script runs
under pexpect with HOME and XDG_DATA_HOME in a temporary directory. Covers the
prompt, a multi-line block, Ctrl-C during a long loop, tab completion, Ctrl-D,
the history file, and bare `adcli` opening the REPL at a terminal."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

ADCLI = str(Path(sys.executable).parent / "adcli")


def _pty_available() -> bool:
    try:
        master, slave = os.openpty()
    except OSError:
        return False
    os.close(master)
    os.close(slave)
    return True


pytestmark = pytest.mark.skipif(not _pty_available(), reason="no pseudo-terminal can be opened")


def spawn(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               TERM="xterm", NO_COLOR="1", COLUMNS="100",
               # pexpect never answers prompt_toolkit's cursor-position requests.
               PROMPT_TOOLKIT_NO_CPR="1")
    child = pexpect.spawn(ADCLI, list(args), env=env, dimensions=(40, 100),
                          encoding="utf-8", timeout=20)
    return child


def test_a_terminal_session(tmp_path: Path):
    started = time.monotonic()
    child = spawn(tmp_path, "repl", "--max-iterations", "1000000000")
    try:
        child.expect_exact(">>>")
        child.sendline("x = 3")
        child.expect_exact(">>>")
        # A block: the continuation prompt until a blank line.
        child.sendline("for i in range(2):")
        child.expect_exact("...")
        child.sendline("    x = x + 1")
        child.expect_exact("...")
        child.sendline("")
        child.expect_exact(">>>")
        child.sendline("x")
        child.expect(r"\D5\r\n")
        child.expect_exact(">>>")
        # Ctrl-C stops a loop that would run for minutes; the whole input is undone,
        # so x keeps its value. (The loop records nothing, so a missed Ctrl-C cannot
        # fill the memory.)
        for line in ("if True:", "    x = x + 1", "    while True:", "        pass"):
            child.sendline(line)
            child.expect_exact("...")
        child.sendline("")
        time.sleep(1.0)  # let the blank line reach the REPL and the loop start
        child.sendintr()
        child.expect_exact("interrupted")
        child.expect_exact(">>>")
        child.sendline("x * 10")
        child.expect(r"\D50\r\n")
        child.expect_exact(">>>")
        # Tab completes a builtin (the only one starting `sqr`) and a variable.
        child.send("sqr\t")
        child.expect_exact("sqrt")
        child.send("(16)\r")
        child.expect(r"\D4\r\n")
        child.expect_exact(">>>")
        child.sendline("longname = 7")
        child.expect_exact(">>>")
        child.send("longn\t")
        child.expect_exact("longname")
        child.send(" * 2\r")
        child.expect(r"\D14\r\n")
        child.expect_exact(">>>")
        # Ctrl-C while typing drops the line (else this would print 6).
        child.send("1 + ")
        child.sendintr()
        child.sendline("x")
        child.expect(r"\D5\r\n")
        child.expect_exact(">>>")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = (tmp_path / "data" / "adcli" / "history").read_text()
    for line in ("+x = 3", "+for i in range(2):", "+sqrt(16)", "+longname * 2"):
        assert line + "\n" in history
    assert time.monotonic() - started < 15


def test_bare_adcli_at_a_terminal_opens_the_repl_and_quit_leaves(tmp_path: Path):
    child = spawn(tmp_path)
    try:
        child.expect_exact(">>>")
        child.sendline("1 / 0 + nope")
        child.expect_exact("unknown name 'nope'")
        child.expect_exact(">>>")
        child.sendline(":quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
