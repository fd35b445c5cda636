"""Every cost known before it is spent (issue 16, kinds 1-3): requests whose size
follows from them are refused at once, tensors are refused before they are allocated
(with the peak memory of the refused program measured), and what used to be internal
errors or numpy's messages are adcli errors in adcli's words, with a caret. Run through
the installed `adcli`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adcli import api
from adcli.errors import AdcliLimitError
from adcli.lang import Limits

ADCLI = str(Path(sys.executable).with_name("adcli"))
MIB = 1024 * 1024


def _adcli(*args: str) -> tuple[int, str, str, float]:
    """Exit code, stdout, stderr and seconds of a run."""
    start = time.monotonic()
    done = subprocess.run([ADCLI, *args], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


def _measured(*args: str) -> tuple[int, str, int]:
    """Exit code, stderr and peak memory of one adcli run, measured in a process of its
    own (a Python process that runs adcli once and reports its child's peak)."""
    code = ("import resource, subprocess, sys\n"
            f"done = subprocess.run({[ADCLI, *args]!r}, capture_output=True, text=True)\n"
            "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
            "sys.stderr.write(done.stderr)\n"
            "print(done.returncode, peak)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    returncode, peak_kib = done.stdout.split()
    return int(returncode), done.stderr, int(peak_kib) * 1024


# -- kind 1: the size of the request, known from it ----------------------------------

@pytest.mark.parametrize(("args", "words"), [
    (["grad", "(x + y) * -x", "--at", "x=0.5", "--at", "y=0.3", "--order",
      "99999999999999999999999"],
     "the request asks for about 10^45 distinct partial derivatives (2 variables up to "
     "order about 10^22), more than the limit of 1,000"),
    (["grad", "(x + y) * -x", "--at", "x=0.5", "--at", "y=0.3", "--order", "2000"],
     "the request asks for 2,003,000 distinct partial derivatives (2 variables up to order "
     "2,000), more than the limit of 1,000"),
    (["grad", "x*x", "--at", "x=1:3:3", "--order", "99999999999999999999999", "--format",
      "plain"],
     "the request asks for about 10^22 distinct partial derivatives (1 variable up to "
     "order about 10^22)"),
    (["diff", "x*y", "--wrt", "x,y", "--order", "99999999999999999999999"],
     "distinct partial derivatives"),
    (["jacobian", "x * 2", "--at", "x=ones(5000)"],
     "the derivatives would hold more than 10,000,000 numbers, the limit on elements (a "
     "value of 5,000 entries, 1 variable of 5,000 entries, up to order 1)"),
    (["grad", "reduce_sum(x) * reduce_sum(y)", "--at", "x=ones(3000)", "--at",
      "y=ones(3000)", "--order", "2"],
     "the derivatives would hold more than 10,000,000 numbers"),
    (["grad", "sin(x)*exp(x)/(1+x*x)", "--at", "x=1", "--order", "12", "--engine", "tape"],
     "the tape would record more than 1,000,000 operations (the limit) for derivatives up "
     "to order 12"),
])
def test_a_request_too_big_is_refused_at_once(args: list[str], words: str) -> None:
    code, out, err, took = _adcli(*args)
    assert (code, out) == (1, "")
    assert words in err
    assert "adcli --max-" in err  # the option that raises the limit
    assert took < 10


def test_raising_a_limit_lets_the_request_run() -> None:
    code, out, err, _took = _adcli("--max-partials", "3000000", "grad", "x + y",
                                          "--at", "x=1", "--at", "y=2", "--order", "3",
                                          "--format", "plain")
    assert code == 0 and err == ""


def test_high_orders_still_run_in_taylor_mode() -> None:
    code, out, _err, _took = _adcli("grad", "sin(x)*exp(x)/(1+x*x)", "--at", "x=1",
                                           "--order", "12", "--format", "plain")
    assert code == 0 and len(out.split()) == 13


def test_the_api_refuses_too_many_partials() -> None:
    with pytest.raises(AdcliLimitError) as caught:
        api.differentiate("x*y", {"x": 1.0, "y": 2.0}, order=200,
                          limits=Limits(max_partials=100))
    assert caught.value.limit == "max_partials"
    assert "Limits(max_partials=N)" in str(caught.value)


# -- kind 2: memory refused before it is taken ------------------------------------------

@pytest.mark.parametrize("program", [
    "y = x; for i in range(60): y = stack([y, y])",
    "y = reshape(x, [1]); for i in range(60): y = concat([y, y], 0)",
    "y = reshape(x, [1]); for i in range(60): y = tile(y, [2])",
    "a = ones(5000); b = reshape(a, [5000, 1]); reduce_sum(b * a)",
    "a = ones([4000, 1]); reduce_sum(matmul(a, transpose(a)))",
    "reduce_sum(broadcast_to(x, [10**5, 10**5]))",
    "reduce_sum(ones(10**5, 10**5))",
])
def test_a_tensor_too_big_is_refused_before_it_is_made(program: str) -> None:
    code, err, peak = _measured("grad", program, "--at", "x=1")
    assert code == 1
    assert "limit error at 1:" in err and "more than the limit of 10,000,000" in err
    assert "^" in err
    assert peak < 200 * MIB, f"peak {peak / MIB:.0f} MiB"


# -- kind 3: adcli's words, never an internal error or numpy's message -------------------

@pytest.mark.parametrize(("args", "words"), [
    (["eval", "[" * 65 + "x" + "]" * 65, "--at", "x=1"],
     "a tensor would have more than 64 axes; numpy's tensors have at most 64"),
    (["eval", "y = x\nfor i in range(70): y = expand_dims(y, 0)\ny", "--at", "x=1"],
     "expand_dims() would have more than 64 axes"),
    (["eval", "x[1e300]", "--let", "x=[1, 2]"], "an index is out of range: 1e+300"),
    (["eval", "x[9223372036854775808]", "--let", "x=[1, 2]"], "an index is out of range"),
    (["eval", "ones(-1, -1)"], "value error at 1:1: a shape cannot have negative sizes: (-1, -1)"),
    # The same mistake is the same kind of error however the shape is written.
    (["eval", "ones(-1)"], "value error at 1:1: a shape cannot have negative sizes: (-1,)"),
    (["eval", "ones(2, -3)"], "value error at 1:1: a shape cannot have negative sizes: (2, -3)"),
    (["eval", "zeros([2, -3])"], "value error at 1:1: a shape cannot have negative sizes"),
    (["eval", "ones(0, 99999999999999999999999)"], "is out of range: 1e+23"),
    (["eval", "reshape(range(9223372036854775808), [2])"], "is out of range"),
])
def test_what_used_to_be_internal_is_said_in_adcli_words(args: list[str], words: str) -> None:
    code, out, err, _took = _adcli(*args)
    assert code in (1, 2)
    assert words in err
    assert "internal error" not in err and "Traceback" not in err
    assert "^" in err  # the caret under the offending code


def test_check_without_an_input_is_a_usage_error() -> None:
    code, out, err, _took = _adcli("check", "sin(1)", "--format", "plain")
    assert (code, out) == (2, "")
    assert "there is nothing to check" in err


# -- found by bench/fuzz.py ----------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["hessian", "out = 1; for i in range(n): out = out * 2", "--let", "n=10", "--format",
     "plain"],
    ["tape", "x = [[1, 2], [3, 4]]; x @ x", "--format", "plain"],
])
def test_hessian_and_tape_without_an_input_are_usage_errors(args: list[str]) -> None:
    code, out, err, _took = _adcli(*args)
    assert (code, out) == (2, "")
    assert "there is no input" in err and "--at x=VALUE" in err


def test_a_range_of_more_points_than_the_element_limit_is_refused() -> None:
    code, out, err, _took = _adcli("--max-elements", "100000", "grad", "sin(x)", "--at",
                                   "x=0:pi:9223372036854775808", "--format", "csv")
    assert (code, out) == (2, "")
    assert "9,223,372,036,854,775,808 points are more than the limit of 100,000" in err


def test_derivatives_of_more_than_64_axes_are_refused_before_the_passes() -> None:
    program = "x^" + "[" * 63 + "2" + "]" * 63 + " * y + y^3"
    code, out, err, _took = _adcli("hessian", program, "--at", "x=1", "--at", "y=2")
    assert code == 1
    assert "numpy's tensors have at most 64" in err and "internal error" not in err


def test_the_hessian_of_a_one_entry_tensor_value_is_shown() -> None:
    code, out, err, _took = _adcli("hessian", "x^[[[2]]] * y + y^3", "--at", "x=1", "--at",
                                   "y=2", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["hessian"] == [[4.0, 2.0], [2.0, 12.0]]  # of x^2 y + y^3 at (1, 2)


def test_taylor_mode_refuses_a_value_too_big_before_its_digits_are_checked() -> None:
    start = time.monotonic()
    code, out, err, _took = _adcli("--max-elements", "100000", "grad",
                                   "ones(100000) * (exp(x) * log(x) + sqrt(x))", "--at", "x=2",
                                   "--order", "3", "--format", "plain")
    assert (code, out) == (1, "")
    assert "a value of 100,000 entries, 1 variable of 1 entry, up to order 3" in err
    assert time.monotonic() - start < 10


def test_a_value_of_64_axes_is_an_error_in_words_on_the_command_line() -> None:
    program = "sin(pi/4)^" + "[" * 64 + "0.5" + "]" * 64
    code, out, err, _took = _adcli("eval", program, "--format", "plain")
    assert (code, out) == (1, "")
    assert "a value of 64 axes cannot be listed by points" in err


@pytest.mark.parametrize("program", [
    "y = x; for i in range(60): y = y + ones(9000000) * x\nreduce_sum(y)",
    "y = x * ones(3000000); z = " + "*".join(["y"] * 80) + "; reduce_sum(z)",
])
def test_tensors_within_the_element_limit_but_too_many_together_stop_at_the_memory_limit(
        program: str) -> None:
    code, err, peak = _measured("--max-memory", "300", "grad", program, "--at", "x=1")
    assert code == 1
    assert "more than the limit of 300 MiB" in err and "adcli --max-memory MIB" in err
    assert "internal error" not in err
    assert peak < 400 * MIB, f"peak {peak / MIB:.0f} MiB"


def test_exact_taylor_refuses_an_order_past_the_partials_limit_at_once() -> None:
    code, out, err, took = _adcli("taylor", "exp(x)", "--at", "x=0", "--order", "100000",
                                  "--exact")
    assert (code, out) == (1, "")
    assert "100,000 distinct partial derivatives" in err and took < 10


def test_an_integer_value_in_taylor_mode_is_checked_by_mpmath() -> None:
    code, out, err, _took = _adcli("grad", "x^3; q = reduce_sum(tile([1, 2], [0]))", "--at",
                                   "x=2", "--order", "3", "--format", "plain")
    assert code == 0 and "internal error" not in err
    assert out.split()[0] == "0.0"


def test_numpys_own_axis_limits_in_derivative_passes_are_limit_errors() -> None:
    program = "x^1e308*y + " + "[" * 32 + "y" + "]" * 32 + "^3"
    code, out, err, _took = _adcli("hessian", program, "--at", "x=1", "--at", "y=2")
    assert (code, out) == (1, "")
    assert "more axes than numpy allows" in err and "internal error" not in err
