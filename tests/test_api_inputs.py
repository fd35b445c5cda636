"""adcli.api takes input values as numbers, lists, arrays, tensors or expression texts,
and turns anything else into a usage error that names the input."""

from __future__ import annotations

import numpy as np
import pytest

from adcli import api
from adcli.errors import AdcliUsageError


def test_an_input_may_be_an_expression_text():
    result = api.differentiate("x * x", at={"x": "pi/4"})
    assert float(result.value) == pytest.approx((np.pi / 4) ** 2, rel=1e-15)
    assert float(result.derivatives[0].value) == pytest.approx(np.pi / 2, rel=1e-15)


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "the value of input 'x', 'abc', cannot be evaluated: unknown name 'abc'"),
    ("x +", "the value of input 'x', 'x +', cannot be evaluated: "
            "expected an expression after '+'"),
    (["a", "b"], "the value of input 'x' must be a number, a nested list of numbers or an "
                 "array"),
    (np.array(["a", "b"]), "the value of input 'x' must be numbers, not str32"),
])
def test_a_bad_input_value_is_a_usage_error_naming_the_input(value, message):
    with pytest.raises(AdcliUsageError) as caught:
        api.differentiate("x * x", at={"x": value})
    assert caught.value.message.startswith(message)


def test_an_unknown_wrt_name_names_neither_an_option_nor_a_flag():
    with pytest.raises(AdcliUsageError) as caught:
        api.differentiate("y = x * x", at={"x": 1.0}, wrt=["q"])
    assert caught.value.message == ("cannot differentiate with respect to 'q': it is neither "
                                    "an input nor a variable of the program")
    assert caught.value.hint == "known names: x, y"
