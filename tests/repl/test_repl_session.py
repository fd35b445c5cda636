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


def test_a_failed_input_changes_nothing_and_is_not_kept():
    session = Session()
    session.run("a = 2")
    kept = session.kept_inputs
    with pytest.raises(AdcliNameError):
        session.run("a = a * 3\nb = a * a\nc = nope")
    assert list(session.variables) == ["a"]
    assert float(session.variables["a"]) == 2.0
    assert session.kept_inputs == kept
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


# ---- recording on demand: answers as if every input had been recorded ------------


def grad_of(session: Session, expression: str, *names: str) -> list[float | None]:
    from adcli import api

    result = api.differentiate_session(session, expression, list(names))
    return [None if d.value is None else float(np.asarray(d.value)) for d in result.derivatives]


def test_a_long_loop_leaves_no_memory_behind():
    import tracemalloc

    session = Session()
    session.run("n = 0")
    tracemalloc.start()
    try:
        session.run("while n < 100000: n += 1")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A tape of 10^5 records took about 80 MB; the loop now records nothing.
    assert peak < 2_000_000
    assert float(session.variables["n"]) == 100000.0
    assert grad_of(session, "n * n", "n") == [200000.0]


def test_a_derivative_across_inputs_follows_values_assigned_in_one_input():
    session = Session()
    session.run("x = 3.0; y = x*x")
    assert float(session.run("grad(y, x)").value) == 6.0
    assert grad_of(session, "y", "x") == [6.0]
    assert grad_of(session, "y * x", "x") == [27.0]


def test_the_source_is_the_binding_a_loop_left():
    session = Session()
    session.run("n = 0\nwhile n < 30:\n    n += 1\n    m = 2*n\n")
    assert grad_of(session, "m", "n") == [2.0]
    session.run("x = 1.0\nfor i in range(3):\n    y = x*x\n    x = x + 1\n")
    # y came from an earlier x than the one the loop left.
    assert grad_of(session, "y", "x") == [None]


def test_inputs_that_read_nothing_of_the_source_are_not_needed():
    session = Session()
    for text in ("x = 2.0", "a = 5", "k = 0", "while k < 1000: k += 1", "y = x*a"):
        session.run(text)
    assert grad_of(session, "y", "x") == [5.0]
    assert grad_of(session, "y", "x", "a") == [5.0, 2.0]


def test_a_variable_assigned_from_another_is_the_same_variable():
    session = Session()
    for text in ("b = 2.0", "a = b * 3", "x = b"):
        session.run(text)
    # x is b, and a was computed from b, as in TensorFlow when x = b.
    assert grad_of(session, "a", "x") == [3.0]
    assert float(session.run("grad(x * b, b)").value) == 4.0
    session.run("c = 0.5; d = c; e = d * d")
    assert grad_of(session, "e", "c") == [1.0]


def test_a_function_defined_earlier_differentiates_an_earlier_variable():
    session = Session()
    session.run("x = 2.0")
    session.run("def g(t):\n    return grad(x*t*x, x)\n")
    session.run("y = x + 1")
    assert float(session.run("g(3)").value) == 12.0


def test_the_inputs_kept_for_replays_are_forgotten_once_every_variable_is_reassigned():
    session = Session()
    for k in range(50):
        session.run(f"x = {k}.0")
        session.run("y = x * 2")
    assert session.kept_inputs == 2
    assert grad_of(session, "y", "x") == [2.0]
