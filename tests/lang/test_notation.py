"""Notation from paper and other calculators: |x| is abs, x² a power, ×, ·, ÷ and −
(U+2212) are operators, π is pi, n! the factorial, 2x a product and sin^2(x) the square
of sin(x); each reads as its plain spelling does, and where readers disagree (1/2x,
sin^-1(x)) the error shows every reading."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli
from adcli.errors import AdcliSyntaxError
from adcli.lang import parse
from adcli.lang.ast import dump


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
    ("2x", "2*x"),
    ("2x^2", "2*x^2"),
    ("3sin(x)", "3*sin(x)"),
    ("2(x+1)", "2*(x+1)"),
    ("(x+1)(x-1)", "(x+1)*(x-1)"),
    ("2pi*x", "2*pi*x"),
    ("2π x", "2*pi*x"),
    ("x²(x+1)", "x^2*(x+1)"),
    ("sin^2(x)", "sin(x)^2"),
    ("cos^3(2x)", "cos(2*x)^3"),
    ("1e-3x", "0.001*x"),
    ("|x|!", "factorial(abs(x))"),
])
@pytest.mark.parametrize("x", [-1.5, 0.7, 2.0])
def test_paper_notation_means_its_plain_spelling(paper, plain, x):
    got = api.differentiate(paper, {"x": x}, order=2)
    want = api.differentiate(plain, {"x": x}, order=2)
    assert float(got.value) == float(want.value)
    assert [float(d.value) for d in got.derivatives] == \
        [float(d.value) for d in want.derivatives]


def test_an_exclamation_mark_before_a_value_points_to_not_and_not_equal():
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("!x")
    assert "not x" in caught.value.hint and "!=" in caught.value.hint
    assert "factorial" in caught.value.hint


def test_an_unclosed_bar_is_a_syntax_error():
    with pytest.raises(AdcliSyntaxError):
        parse("|x")


# Golden trees for where implicit products sit in the precedence table: above unary
# minus and the other products, below powers (as in Mathematica and on paper).
@pytest.mark.parametrize("source,tree", [
    ("2x", "BinOp(multiply, Number(2.0), Name(x))"),
    ("-2x^2", "UnaryOp(negative, BinOp(multiply, Number(2.0), BinOp(pow, Name(x), Number(2.0))))"),
    ("2x^-1", "BinOp(multiply, Number(2.0), BinOp(pow, Name(x), UnaryOp(negative, Number(1.0))))"),
    ("2^3x", "BinOp(multiply, BinOp(pow, Number(2.0), Number(3.0)), Name(x))"),
    ("2x*3y", "BinOp(multiply, BinOp(multiply, Number(2.0), Name(x)), "
              "BinOp(multiply, Number(3.0), Name(y)))"),
    ("x^2y", "BinOp(multiply, BinOp(pow, Name(x), Number(2.0)), Name(y))"),
    ("2x!", "BinOp(multiply, Number(2.0), Call(Name(factorial), [Name(x)], []))"),
    ("x!^2", "BinOp(pow, Call(Name(factorial), [Name(x)], []), Number(2.0))"),
    ("-x!", "UnaryOp(negative, Call(Name(factorial), [Name(x)], []))"),
    ("(x!)!", "Call(Name(factorial), [Call(Name(factorial), [Name(x)], [])], [])"),
    ("a^2(x+1)", "BinOp(multiply, BinOp(pow, Name(a), Number(2.0)), BinOp(add, Name(x), "
                 "Number(1.0)))"),
    ("1/(2x)", "BinOp(divide, Number(1.0), BinOp(multiply, Number(2.0), Name(x)))"),
    ("2x/3", "BinOp(divide, BinOp(multiply, Number(2.0), Name(x)), Number(3.0))"),
])
def test_implicit_products_bind_below_powers_and_above_signs(source, tree):
    assert dump(parse(source)) == f"Program([ExprStmt({tree})])"


@pytest.mark.parametrize("source", ["x2", "1e-3", "2e5", "2E+5", "x2y"])
def test_numbers_with_exponents_and_names_with_digits_stay_whole(source):
    body = dump(parse(source))
    assert "multiply" not in body


def test_two_values_side_by_side_without_an_operator_say_how_to_multiply():
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("x y")
    assert caught.value.hint == "for a product write 'x*y'"
    assert caught.value.span.column == 3


def test_a_product_is_not_implied_across_lines():
    tree = parse("y = 2\nx")
    assert dump(tree) == "Program([Assign(Name(y), Number(2.0)), ExprStmt(Name(x))])"


def test_a_name_before_parentheses_stays_a_call():
    assert dump(parse("f(x+1)")) == \
        "Program([ExprStmt(Call(Name(f), [BinOp(add, Name(x), Number(1.0))], []))])"


@pytest.mark.parametrize("source,first,second", [
    ("1/2x", "1/(2x)", "(1/2)*x"),
    ("a/2b", "a/(2b)", "(a/2)*b"),
    ("1 ÷ 3x", "1/(3x)", "(1/3)*x"),
    ("y % 2x", "y%(2x)", "(y%2)*x"),
])
def test_a_quotient_before_an_implicit_product_is_ambiguous_and_shows_both(
        source, first, second):
    with pytest.raises(AdcliSyntaxError) as caught:
        parse(source)
    error = caught.value
    assert "ambiguous" in error.message
    assert first in error.hint and second in error.hint


@pytest.mark.parametrize("ambiguous", ["1/2x", "1/(2)x"])
def test_each_reading_of_an_ambiguous_quotient_is_accepted_when_written_out(ambiguous):
    x = 3.0
    first = api.evaluate("1/(2x)", {"x": x})
    second = api.evaluate("(1/2)*x", {"x": x})
    assert float(first.value) == pytest.approx(1 / 6)
    assert float(second.value) == pytest.approx(1.5)


def test_sin_to_the_minus_one_shows_the_inverse_and_the_reciprocal():
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("sin^-1(x)")
    assert "asin(x)" in caught.value.message
    assert "1/sin(x)" in caught.value.message


def test_a_negative_power_of_a_function_name_without_an_inverse_shows_the_power():
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("exp^-2(x)")
    assert "exp(x)^-2" in caught.value.message


def test_a_double_factorial_is_an_error_that_shows_the_factorial_of_a_factorial():
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("n!!")
    assert "(n!)!" in caught.value.hint


def test_implicit_products_differentiate_as_their_plain_spelling():
    result = api.differentiate("-2x^2 + 3sin(x)", {"x": 0.5}, order=1)
    assert float(result.derivatives[0].value) == pytest.approx(-4 * 0.5 + 3 * math.cos(0.5),
                                                               rel=1e-15)


def test_parenthesized_operands_are_quoted_whole_in_messages():
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("(x+1)(x-1) y")
    assert caught.value.hint == "for a product write '*' between them"


@pytest.mark.parametrize("source", ["x(x+1)", "y = 3; y(x+1)", "e(x+1)"])
def test_calling_a_value_hints_at_the_product_it_likely_meant(source):
    result = CliRunner().invoke(cli, ["eval", source, "--at", "x=2"])
    assert result.exit_code == 1
    assert "for a product write" in result.output
    assert "*(...)" in result.output


@pytest.mark.parametrize("paper,plain", [("2sin^2(x)", "2*sin(x)^2"), ("3cos²(x)", "3*cos(x)^2")])
def test_a_coefficient_before_a_function_power_keeps_its_place(paper, plain):
    got = api.differentiate(paper, {"x": 0.7}, order=1)
    want = api.differentiate(plain, {"x": 0.7}, order=1)
    assert float(got.derivatives[0].value) == float(want.derivatives[0].value)


@pytest.mark.parametrize("source,words,fixed", [
    ("0x10", "hexadecimal", "decimal"),
    ("1_000", "digit separators", "1000"),
])
def test_literals_of_other_languages_are_errors_not_silent_products(source, words, fixed):
    with pytest.raises(AdcliSyntaxError) as caught:
        parse(source)
    assert words in caught.value.message
    assert fixed in caught.value.hint


def test_a_byte_order_mark_before_a_program_is_ignored():
    assert float(api.evaluate("\ufeffx + 1", {"x": 2.0}).value) == 3.0


def test_an_unexpected_indent_points_at_the_indented_line():
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("y = 0\nz = 1\n    w = 2\n")
    assert caught.value.span.line == 3
