"""--time-limit SECONDS and Limits(time_seconds=...): any command, API call or REPL
input stops cleanly with a limit error that names what was running (issue 16, kind 4)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli
from adcli.errors import AdcliLimitError
from adcli.lang import Limits

ADCLI = str(Path(sys.executable).with_name("adcli"))
SPIN = "x = 1.0\nwhile 1: x = x * 1.0"  # issue 16's example: 15 s to the iteration limit
LONG_LOOP = "y = x\nfor i in range(10**7): y = sin(y)\ny"


def _adcli(*args: str, timeout: float = 30) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    done = subprocess.run([ADCLI, *args], capture_output=True, text=True, timeout=timeout)
    return done, time.monotonic() - start


def test_a_program_that_never_ends_stops_at_the_time_limit_with_a_caret() -> None:
    done, took = _adcli("--time-limit", "0.5", "eval", SPIN)
    assert done.returncode == 1
    assert done.stderr.splitlines()[:3] == [
        "limit error at 2:1: the time limit of 0.5 s ran out while running the program",
        "  while 1: x = x * 1.0",
        "  ^^^^^^^",
    ]
    assert "adcli --time-limit SECONDS" in done.stderr
    assert done.stdout == ""
    assert took < 5


def test_grad_of_a_long_loop_stops_at_the_time_limit() -> None:
    done, took = _adcli("--time-limit", "0.4", "grad", LONG_LOOP, "--at", "x=1")
    assert done.returncode == 1
    assert "the time limit of 0.4 s ran out while running the program" in done.stderr
    assert "for i in range(10**7)" in done.stderr
    assert took < 5


def test_a_command_within_the_limit_is_untouched() -> None:
    done, _ = _adcli("--time-limit", "30", "grad", "x*x*x", "--at", "x=1", "--order", "2",
                     "--format", "plain")
    assert (done.returncode, done.stdout, done.stderr) == (0, "1.0\n3.0\n6.0\n", "")


def test_jobs_workers_stop_with_the_time_limit() -> None:
    program = "y = x\nfor i in range(3000): y = sin(y)\ny"
    done, took = _adcli("--time-limit", "1", "grad", program, "--at", "x=0:1:40000",
                        "--jobs", "2", "--format", "csv")
    assert done.returncode == 1
    assert "the time limit of 1 s ran out" in done.stderr
    # The parent holds the limit: the workers neither print tracebacks nor a second error.
    assert "Traceback" not in done.stderr and done.stderr.count("limit error") == 1
    assert took < 10
    time.sleep(0.3)
    workers = subprocess.run(["pgrep", "-f", "x=0:1:40000"], capture_output=True, text=True)
    assert workers.stdout.strip() == ""


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf", "1e10"])
def test_a_time_limit_must_be_a_positive_number(value: str) -> None:
    run = CliRunner().invoke(cli, ["--time-limit", value, "eval", "1"])
    assert run.exit_code == 2
    assert "--time-limit" in run.output


# The alarm may land in a garbage-collector callback (hypothesis installs one in the
# test process), which Python reports as unraisable; the alarm repeats until the
# limit's block ends, so the run stops anyway.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_python_api_takes_a_time_limit() -> None:
    start = time.monotonic()
    with pytest.raises(AdcliLimitError) as caught:
        api.differentiate(LONG_LOOP, {"x": 1.0}, limits=Limits(time_seconds=0.3))
    assert time.monotonic() - start < 5
    assert caught.value.limit == "time_seconds"
    assert "the time limit of 0.3 s ran out while running the program" in str(caught.value)
    assert "Limits(time_seconds=" in str(caught.value)
    # Nothing is left armed: a later call without a limit runs to its end.
    assert float(api.differentiate("x*x", {"x": 3.0}).derivative("x")) == 6.0


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_time_limit_off_the_main_thread_stops_loops_by_the_clock() -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            api.differentiate(LONG_LOOP, {"x": 1.0}, limits=Limits(time_seconds=0.3))
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            errors.append(error)

    thread = threading.Thread(target=work)
    start = time.monotonic()
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - start < 5
    assert len(errors) == 1 and isinstance(errors[0], AdcliLimitError)


def test_the_repl_applies_the_time_limit_to_each_input_and_keeps_the_session() -> None:
    done = subprocess.run([ADCLI, "--time-limit", "0.5", "repl", "--format", "plain"],
                          input="x = 2.0\ny = x\nwhile 1: y = y * 1.0\ny + x\n",
                          capture_output=True, text=True, timeout=30)
    assert "the time limit of 0.5 s ran out while running the program" in done.stdout + \
        done.stderr
    # The interrupted input left y as it was; the next input runs in full.
    assert done.stdout.strip().splitlines()[-1] == "4.0"


@pytest.mark.parametrize("limits", [{"time_seconds": float("nan")}, {"time_seconds": -1.0},
                                    {"max_partials": -1}, {"max_call_depth": 10**8},
                                    {"max_tensor_elements": 0}])
def test_limits_out_of_range_are_usage_errors(limits: dict) -> None:
    from adcli.errors import AdcliUsageError

    with pytest.raises(AdcliUsageError) as caught:
        Limits(**limits)
    assert "Limits(" in caught.value.message


def test_a_call_depth_above_the_cap_is_refused_on_the_command_line() -> None:
    run = CliRunner().invoke(cli, ["--max-depth", "100000000", "eval", "1"])
    assert run.exit_code == 2 and "100000" in run.output


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_callers_own_alarm_timer_survives_a_time_limit() -> None:
    import signal

    fired: list[float] = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(time.monotonic()))
    try:
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with pytest.raises(AdcliLimitError):
            api.evaluate(SPIN, limits=Limits(time_seconds=0.3))
        time.sleep(1.2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(fired) == 1 and 0.8 < fired[0] - start < 1.6
