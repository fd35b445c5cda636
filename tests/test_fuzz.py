"""Mutation fuzzing of the command line, in-process: a few hundred cheap cases.

The cases come from the one generator in bench/fuzz.py (loaded from its path: bench/
is no package), with cheap=True: every case runs with --max-elements 100000
--max-iterations 100000 and mutation values that keep it small. Each case, one test
(`case042`), must satisfy the fuzzer's oracle: exit code 0, 1 or 2, no "internal
error" and no "Traceback" in the output, no Python warning, no exception but
SystemExit escaping click, and some standard output on exit 0. As a guard (not a
substitute for bench/fuzz.py's subprocesses), a case gets CASE_SECONDS of wall
clock and 2 GiB more address space than the test process has; running out of
either is a failure. `python bench/fuzz.py --cheap --list --seed S --cases N` prints
the same command lines.
"""

from __future__ import annotations

import importlib.util
import resource
import signal
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from adcli.cli.main import cli

FUZZER = Path(__file__).parents[1] / "bench" / "fuzz.py"
#: (seed, number of cases) of the in-suite run.
RUNS = [(1, 150), (2, 150)]
CASE_SECONDS = 3.0
ADDRESS_SPACE = 2 * 1024**3


def _load_fuzzer():
    spec = importlib.util.spec_from_file_location("adcli_bench_fuzz", FUZZER)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the fuzzer from {FUZZER}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


try:
    fuzz = _load_fuzzer()
    LOAD_ERROR = None
    CASES = [(seed, case) for seed, count in RUNS
             for case in fuzz.generate(seed, count, cheap=True)]
except Exception as error:  # noqa: BLE001 - reported by the one test below, not a skip
    fuzz = None
    LOAD_ERROR = f"{type(error).__name__}: {error}"
    CASES = [(0, None)]


class CaseTimeout(BaseException):
    """Raised by the alarm: not an Exception, so adcli's last line of defence and
    click's runner let it through."""


def _on_alarm(signum, frame):
    raise CaseTimeout


def _own_category(category: type[Warning]) -> bool:
    """adcli's own warning classes (defined in an adcli module) are allowed."""
    return category.__module__.split(".")[0] == "adcli"


def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _invoke(argv: list[str]):
    """Run adcli ARGV in-process under the guards: (result, timed out, warnings)."""
    from adcli.lang import default_limits, set_default_limits

    limits = default_limits()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + ADDRESS_SPACE
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    result, timed_out = None, False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
            signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
            result = CliRunner().invoke(cli, argv, prog_name="adcli",
                                        env={"COLUMNS": "100", "NO_COLOR": "1"})
        except CaseTimeout:
            timed_out = True
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
            set_default_limits(limits)
    return result, timed_out, list(caught)


@pytest.mark.parametrize(
    ("seed", "case"), CASES,
    ids=[f"seed{seed}-case{case.number:03d}" if case is not None else "fuzzer-missing"
         for seed, case in CASES])
def test_fuzz_case(seed, case):
    if LOAD_ERROR is not None:
        pytest.fail(f"the fuzzer {FUZZER} could not be loaded: {LOAD_ERROR}")
    result, timed_out, caught = _invoke(case.argv)
    where = f"\n  case {case.number} of seed {seed}: {case.command_line()}"
    if timed_out:
        pytest.fail(f"hang or killed: no answer within {CASE_SECONDS} s{where}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        pytest.fail(f"exception escaped: {type(result.exception).__name__}: "
                    f"{result.exception}{where}")
    foreign = [w for w in caught if not _own_category(w.category)]
    assert not foreign, (f"Python warning {foreign[0].category.__name__}: "
                         f"{foreign[0].message} ({foreign[0].filename}:{foreign[0].lineno})"
                         f"{where}")
    kind = fuzz.judge(result.exit_code, result.stdout, result.stderr)
    assert kind is None, (f"{kind}{where}\n--- stderr:\n{result.stderr[-2000:]}"
                          f"\n--- stdout:\n{result.stdout[-1000:]}")
