"""Notation from paper and other calculators: |x| is abs, x² a power, ×, ·, ÷ and −
(U+2212) are operators, π is pi; each reads as its plain spelling does."""

from __future__ import annotations

import pytest

from adcli import api
from adcli.errors import AdcliSyntaxError
from adcli.lang import parse


@pytest.mark.parametrize("paper,plain", [
    ("|x|", "abs(x)"),
    ("||x| - 1|", "abs(abs(x) - 1)"),
    ("|x - 2|*x³", "abs(x - 2)*x^3"),
    ("x²", "x^2"),
    ("-x²", "-(x^2)"),
    ("2·x×x", "2*x*x"),
    ("x÷2", "x/2"),
    ("−x", "-x"),
    ("x − 1", "x - 1"),
    ("π*x", "pi*x"),
    ("sin(x)²", "sin(x)^2"),
    ("x¹⁰", "x^10"),
])
@pytest.mark.parametrize("x", [-1.5, 0.7, 2.0])
def test_paper_notation_means_its_plain_spelling(paper, plain, x):
    got = api.differentiate(paper, {"x": x}, order=2)
    want = api.differentiate(plain, {"x": x}, order=2)
    assert float(got.value) == float(want.value)
    assert [float(d.value) for d in got.derivatives] == \
        [float(d.value) for d in want.derivatives]


def test_a_factorial_says_what_is_and_is_not_supported():
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("x!")
    assert "factorial" in caught.value.message
    assert "!=" in caught.value.hint


def test_an_unclosed_bar_is_a_syntax_error():
    with pytest.raises(AdcliSyntaxError):
        parse("|x")
