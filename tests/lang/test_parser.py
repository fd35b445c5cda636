"""The parser: golden ASTs, valid and invalid programs, exact syntax messages and spans."""

from __future__ import annotations

import pytest

from adcli.errors import AdcliLimitError, AdcliSyntaxError
from adcli.lang import parse
from adcli.lang.ast import dump
from adcli.lang.interpreter import Limits
from adcli.lang.parser import GRAMMAR_CANDIDATES, grammar_path

GOLDEN = [
    ("x*x*x", "Program([ExprStmt(BinOp(multiply, BinOp(multiply, Name(x), Name(x)), Name(x)))])"),
    ("y = sum(x); z = y * y",
     "Program([Assign(Name(y), Call(Name(sum), [Name(x)], [])), "
     "Assign(Name(z), BinOp(multiply, Name(y), Name(y)))])"),
    ("out = 1; for i in range(n): if i > 1 and i < 5: out = out * x",
     "Program([Assign(Name(out), Number(1.0)), For(Name(i), Call(Name(range), [Name(n)], []), "
     "[If(BoolOp(and, [Compare([greater], [Name(i), Number(1.0)]), "
     "Compare([less], [Name(i), Number(5.0)])]), "
     "[Assign(Name(out), BinOp(multiply, Name(out), Name(x)))], [])])])"),
    ("-x ** 2 ^ 3", "Program([ExprStmt(UnaryOp(negative, BinOp(pow, Name(x), "
     "BinOp(pow, Number(2.0), Number(3.0)))))])"),
    ("a + b * c @ d // e % f - g / h",
     "Program([ExprStmt(BinOp(subtract, BinOp(add, Name(a), BinOp(mod, BinOp(floor_divide, "
     "BinOp(matmul, BinOp(multiply, Name(b), Name(c)), Name(d)), Name(e)), Name(f))), "
     "BinOp(divide, Name(g), Name(h))))])"),
    ("1 < i <= 5 != j", "Program([ExprStmt(Compare([less, less_equal, not_equal], "
     "[Number(1.0), Name(i), Number(5.0), Name(j)]))])"),
    ("not a and b or c if d else e",
     "Program([ExprStmt(IfExp(Name(d), BoolOp(or, [BoolOp(and, [UnaryOp(logical_not, Name(a)), "
     "Name(b)]), Name(c)]), Name(e)))])"),
    ("x[0] + x[:, 1] + x[-1] + x[1:3:2].shape",
     "Program([ExprStmt(BinOp(add, BinOp(add, BinOp(add, Index(Name(x), [Number(0.0)]), "
     "Index(Name(x), [Slice(None, None, None), Number(1.0)])), Index(Name(x), "
     "[UnaryOp(negative, Number(1.0))])), Attribute(Index(Name(x), [Slice(Number(1.0), "
     "Number(3.0), Number(2.0))]), shape)))])"),
    ("[[1, 2], [3, 4]]", "Program([ExprStmt(TensorLiteral([TensorLiteral([Number(1.0), "
     "Number(2.0)]), TensorLiteral([Number(3.0), Number(4.0)])]))])"),
    ("sum(x, axis=0, keepdims=True)", "Program([ExprStmt(Call(Name(sum), [Name(x)], "
     "[Keyword(axis, Number(0.0)), Keyword(keepdims, Bool(True))]))])"),
    ("x += 2; x ^= .5; x //= 1e-3", "Program([AugAssign(Name(x), add, Number(2.0)), "
     "AugAssign(Name(x), pow, Number(0.5)), AugAssign(Name(x), floor_divide, Number(0.001))])"),
    ("def f(x, y=2):\n    # a comment\n    return x * y\n\nf(3)\n",
     "Program([FunctionDef(f, [Param(x, None), Param(y, Number(2.0))], "
     "[Return(BinOp(multiply, Name(x), Name(y)))]), ExprStmt(Call(Name(f), [Number(3.0)], []))])"),
    ("if a:\n  b = 1\nelif c:\n  b = 2\nelse:\n  b = 3",
     "Program([If(Name(a), [Assign(Name(b), Number(1.0))], [If(Name(c), "
     "[Assign(Name(b), Number(2.0))], [Assign(Name(b), Number(3.0))])])])"),
    ("while i < 3:\n    i += 1\n    if i == 2: continue\n    break\npass",
     "Program([While(Compare([less], [Name(i), Number(3.0)]), [AugAssign(Name(i), add, "
     "Number(1.0)), If(Compare([equal], [Name(i), Number(2.0)]), [Continue()], []), Break()]), "
     "Pass()])"),
    ("for v in x: s = s + v  # comment", "Program([For(Name(v), Name(x), "
     "[Assign(Name(s), BinOp(add, Name(s), Name(v)))])])"),
    ("f(1,\n  2)", "Program([ExprStmt(Call(Name(f), [Number(1.0), Number(2.0)], []))])"),
    ("  x = 1\n  y = x", "Program([Assign(Name(x), Number(1.0)), Assign(Name(y), Name(x))])"),
]


@pytest.mark.parametrize(("source", "expected"), GOLDEN)
def test_programs_parse_to_their_golden_ast(source: str, expected: str) -> None:
    assert dump(parse(source)) == expected


def test_one_line_compound_body_nests_and_dangling_else_binds_innermost() -> None:
    tree = parse("if a: if b: x = 1\nelse: x = 2")
    assert dump(tree) == (
        "Program([If(Name(a), [If(Name(b), [Assign(Name(x), Number(1.0))], "
        "[Assign(Name(x), Number(2.0))])], [])])"
    )


def test_spans_carry_line_and_column() -> None:
    tree = parse("a = 1\nb = sin(a) + 2")
    assign = tree.body[1]
    assert (assign.span.line, assign.span.column) == (2, 1)
    call = assign.value.left
    assert (call.span.line, call.span.column, call.span.end_column) == (2, 5, 11)


def test_the_grammar_is_found_in_the_package_or_the_checkout() -> None:
    assert str(grammar_path()) in GRAMMAR_CANDIDATES
    assert grammar_path().read_text().startswith("// The adcli language")


# source, exact message, line, column
SYNTAX_ERRORS = [
    ("1 +", "expected an expression after '+'", 1, 4),
    ("x = ", "expected an expression after '='", 1, 4),
    ("(1 + )", "expected an expression after '+', found ')'", 1, 6),
    ("(1 + 2", "unclosed '(' opened at 1:1", 1, 1),
    ("f(1,\n  2\ny = 3", "unclosed '(' opened at 1:2", 1, 2),
    ("x = [1, 2", "unclosed '[' opened at 1:5", 1, 5),
    ("(1 + 2]", "']' does not match '(' opened at 1:1", 1, 7),
    ("1 + 2)", "unmatched ')'", 1, 6),
    ("x = 1\n  y = 2", "unexpected indent", 2, 1),
    ("if x:\n  y = 1\n z = 2", "unindent does not match any outer indentation level", 3, 2),
    ("if x:\ny = 1", "expected an indented block after 'if' on line 1", 2, 1),
    ("while True\n  x = 1", "unexpected end of line; expected ':'", 1, 11),
    ("for i range(3): pass", "unexpected name 'range'; expected 'in'", 1, 7),
    ("x = 'a'", "strings are not part of the adcli language", 1, 5),
    ("import numpy", "'import' is not part of the adcli language", 1, 1),
    ("x is None", "'is' is not part of the adcli language", 1, 3),
    ("1 = x", "cannot assign here: the left side of '=' must be a name (use '==' to compare)",
     1, 3),
    ("x = $", "unexpected character '$'", 1, 5),
    ("f(a=1, 2)", "a positional argument cannot follow a keyword argument", 1, 8),
    ("def f(x=1, y): pass", "parameter 'y' without a default follows one with a default", 1, 12),
    ("def f(x, x): pass", "duplicate parameter 'x' in function 'f'", 1, 10),
    ("x[0](y)", "only functions called by name can be called", 1, 1),
    ("tf.multiply(a, b)", "'.multiply' is not available: '.shape' is the only attribute", 1, 1),
    ("x = for", "expected an expression after '=', found 'for'", 1, 5),
    ("else: x = 1", "unexpected 'else'", 1, 1),
]


@pytest.mark.parametrize(("source", "message", "line", "column"), SYNTAX_ERRORS)
def test_syntax_errors_say_what_is_wrong_in_words(
    source: str, message: str, line: int, column: int
) -> None:
    with pytest.raises(AdcliSyntaxError) as caught:
        parse(source)
    error = caught.value
    assert error.message == message
    assert (error.span.line, error.span.column) == (line, column)
    assert error.source == source


def test_syntax_error_renders_the_line_with_a_caret() -> None:
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("y = 2 *")
    assert caught.value.render() == (
        "syntax error at 1:8: expected an expression after '*'\n  y = 2 *\n         ^"
    )


def test_attribute_error_hints_at_the_plain_function_name() -> None:
    with pytest.raises(AdcliSyntaxError) as caught:
        parse("tf.multiply(output, x)")
    assert caught.value.hint == "write 'multiply(...)' instead of 'tf.multiply(...)'"


def test_ten_thousand_nested_parentheses_give_a_limit_error() -> None:
    with pytest.raises(AdcliLimitError) as caught:
        parse("(" * 10_000 + "1" + ")" * 10_000)
    assert caught.value.message == "brackets are nested more than 100 deep"
    assert (caught.value.span.line, caught.value.span.column) == (1, 101)


def test_nesting_within_the_limit_parses() -> None:
    tree = parse("(" * 50 + "1" + ")" * 50)
    assert dump(tree) == "Program([ExprStmt(Number(1.0))])"


def test_deep_blocks_give_a_limit_error() -> None:
    source = "".join("  " * k + "if x:\n" for k in range(120)) + "  " * 120 + "pass\n"
    with pytest.raises(AdcliLimitError) as caught:
        parse(source)
    assert caught.value.message == "blocks are nested more than 100 deep"


def test_source_size_is_limited() -> None:
    with pytest.raises(AdcliLimitError) as caught:
        parse("x = 1\n" * 20, Limits(max_source_chars=100))
    assert caught.value.message == "the program has 120 characters; the limit is 100"


VALID = [
    "", "# only a comment", "\n\n", "x", "x;", "pass", "1e5 + .5 - 2. + 1E-3", "True or False",
    "x = 1 # trailing comment", "f()", "f(1, 2,)", "[1, 2,]", "[]", "x[::2]", "x[1:]",
    "def f(): return", "x = \\\n  2", "if a: pass\nelif b: pass\nelse: pass",
    "for i in range(3):\n\n    # blank and comment lines inside a block\n    x = i\n",
]


@pytest.mark.parametrize("source", VALID)
def test_valid_programs_parse(source: str) -> None:
    parse(source)


INVALID = [
    "1 +* 2", "x = = 1", "def (x): pass", "for in range(3): pass", "if: pass", "x[]",
    "f(,)", "return return", "x y", "1 2", "(", ")", "[1, , 2]", "a; ;b", "x.y", "lambda: 1",
    "with f: pass", "x ** ", "def f(x):", "{1: 2}",
]


@pytest.mark.parametrize("source", INVALID)
def test_invalid_programs_raise_syntax_errors_with_a_span(source: str) -> None:
    with pytest.raises(AdcliSyntaxError) as caught:
        parse(source)
    assert caught.value.span is not None
    assert "\n  " in caught.value.render()  # the source line and a caret follow
