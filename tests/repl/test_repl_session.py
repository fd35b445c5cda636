"""The REPL's building blocks without a terminal: adcli.lang.session.Session (state
across inputs, all-or-nothing inputs, Ctrl-C in a long loop) and the grouping of
lines into inputs."""

from __future__ import annotations

import signal

import numpy as np
import pytest

from adcli.cli.repl import LineGrouper, history_path
from adcli.errors import AdcliNameError
from adcli.lang import Limits
from adcli.lang.session import Session


def test_variables_and_the_tape_persist_across_inputs():
    session = Session()
    for line in ("x = ones(2, 2)", "y = sum(x)", "z = y * y"):
        assert session.run(line).value is None
    assert float(session.run("z").value) == 16.0
    assert np.asarray(session.run("grad(z, x)").value.numpy()).tolist() == [[8.0, 8.0],
                                                                            [8.0, 8.0]]
    assert float(session.run("grad(z, y)").value) == 8.0
    assert float(session.run("grad(grad(z, y), y)").value) == 2.0


def test_functions_persist_and_loops_in_them_count_per_input():
    session = Session(Limits(max_iterations=50))
    session.run("def f(t):\n    s = 0\n    for i in range(30):\n        s = s + t\n    return s\n")
    # Each call runs 31 steps; two inputs of one call each stay under the limit of 50.
    assert float(session.run("f(1)").value) == 30.0
    assert float(session.run("f(2)").value) == 60.0


def test_a_failed_input_changes_nothing_and_drops_its_records():
    session = Session()
    session.run("a = 2")
    records = len(session.tape._records)
    with pytest.raises(AdcliNameError):
        session.run("a = a * 3\nb = a * a\nc = nope")
    assert list(session.variables) == ["a"]
    assert float(session.variables["a"]) == 2.0
    assert len(session.tape._records) == records
    assert float(session.run("grad(a * a, a)").value) == 4.0


def test_keyboard_interrupt_in_a_long_loop_leaves_the_session_usable():
    # The loop records nothing and its iteration limit is finite, so a lost alarm
    # ends the test with a limit error instead of a runaway process.
    session = Session(Limits(max_iterations=10**8))
    session.run("x = 3")

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            session.run("x = x + 1\nwhile True:\n    pass\n")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert float(session.variables["x"]) == 3.0
    assert float(session.run("grad(x * x, x)").value) == 6.0


def test_evaluate_leaves_the_last_input_and_the_variables():
    session = Session()
    session.run("w = 5")
    outcome = session.value_of("w * w")
    assert float(outcome.value) == 25.0
    assert session.last.text == "w = 5"
    assert list(outcome.variables) == ["w"]


def test_reset_forgets_everything():
    session = Session()
    session.run("w = 5")
    session.reset()
    assert dict(session.variables) == {}
    with pytest.raises(AdcliNameError):
        session.run("w")


def feed_all(lines: list[str]) -> list[str]:
    grouper = LineGrouper()
    inputs = [text for line in lines for text in grouper.feed(line)]
    return inputs + grouper.flush()


def test_a_block_closes_at_a_blank_line_or_a_line_on_the_margin():
    assert feed_all(["if x:", "    y = 1", "else:", "    y = 2", "", "y"]) == [
        "if x:\n    y = 1\nelse:\n    y = 2", "y"]
    assert feed_all(["for i in range(2):", "    s = i", "s", ":vars"]) == [
        "for i in range(2):\n    s = i", "s", ":vars"]


def test_open_brackets_continue_and_comments_and_blank_lines_are_skipped():
    assert feed_all(["# a comment", "", "v = [1,", "  2]  # (", "while True: pass"]) == [
        "v = [1,\n  2]  # (", "while True: pass"]


def test_the_history_lives_in_the_xdg_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history_path() == tmp_path / "adcli" / "history"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert history_path() == tmp_path / ".local" / "share" / "adcli" / "history"
