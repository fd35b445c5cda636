"""Text to AST: the only module of adcli that imports lark.

One responsibility: turn program text into an `adcli.lang.ast.Program`, or raise an
`AdcliSyntaxError` (or `AdcliLimitError`) that says in words what is wrong and where.

- The grammar is `grammars/adcli.lark`; a wheel carries it as `adcli/grammars/adcli.lark`
  (hatchling force-include) and an editable install falls back to the checkout's copy.
- The LALR parser is built once per process, lazily. Building it from the grammar costs
  ~130 ms, so the analysed parser is cached with Lark's `cache=` option in the user's
  cache directory (`$ADCLI_CACHE_DIR`, else `$XDG_CACHE_HOME/adcli`, else
  `~/.cache/adcli`); loading it costs a few ms. An unwritable cache directory only
  costs the rebuild.
- The AST is built by an inline transformer while parsing (no intermediate tree, and
  no recursion, so long or deep programs cannot overflow the Python stack here).
- A post-lexer does the Python-style indentation, tracks open brackets (to say
  "unclosed '(' opened at 1:4" and to enforce the nesting limit as tokens arrive) and
  keeps the token history that syntax messages quote.

Imports: lark, adcli.errors, adcli.lang.ast, adcli.records.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lark import PostLex

from adcli.errors import AdcliError, AdcliLimitError, AdcliSyntaxError, Span
from adcli.lang import ast
from adcli.lang.ast_cache import GRAMMAR_CANDIDATES, cache_directory, grammar_file
from adcli.records import replace

__all__ = ["GRAMMAR_CANDIDATES", "cache_dir", "get_parser", "grammar_path", "parse"]


def grammar_path() -> Path:
    """The grammar file this process uses: the packaged copy, else the checkout's."""
    return Path(grammar_file())


def cache_dir() -> Path | None:
    """Where the analysed parser is cached, or None if caching is switched off."""
    directory = cache_directory()
    return None if directory is None else Path(directory)

DEFAULT_MAX_SOURCE_CHARS = 1_000_000
DEFAULT_MAX_NESTING = 100

_TAB_LEN = 8
_OPEN = {"LPAR": ")", "LSQB": "]"}
_CLOSE = {"RPAR": "(", "RSQB": "["}

# ---- grammar and parser construction ---------------------------------------------


def _cache_file(grammar: str) -> str | bool:
    directory = cache_dir()
    if directory is None:
        return False
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    import lark

    # The name carries everything the cached tables depend on, so that versions of
    # adcli, lark or Python that share a cache directory never overwrite each other.
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:16]
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    return str(directory / f"parser-{digest}-lark{lark.__version__}-py{version}.pickle")


class _Parser:
    """The Lark parser with its post-lexer and AST builder (one per process)."""

    def __init__(self) -> None:
        grammar = grammar_path().read_text(encoding="utf-8")
        self.indenter = _Indenter()
        self.builder = _ASTBuilder()
        options = dict(
            parser="lalr",
            lexer="basic",  # keywords stay keywords everywhere (the contextual lexer
            # would read `x = for` as a name)
            postlex=self.indenter,
            transformer=self.builder,
            maybe_placeholders=True,
        )
        try:
            self.lark = Lark(grammar, cache=_cache_file(grammar), **options)
        except (OSError, EOFError, ValueError):
            # A corrupt or unreadable cache file: build from the grammar instead.
            self.lark = Lark(grammar, **options)
        self.terminals = {t.name: t for t in self.lark.terminals}
        self.lock = threading.Lock()


_PARSER: _Parser | None = None
_PARSER_LOCK = threading.Lock()


def get_parser() -> _Parser:
    """The process's parser, built (or loaded from the cache) on first use."""
    global _PARSER
    if _PARSER is None:
        with _PARSER_LOCK:
            if _PARSER is None:
                _PARSER = _Parser()
    return _PARSER


# ---- entry point -----------------------------------------------------------------


def parse(
    source: str,
    *,
    max_chars: int = DEFAULT_MAX_SOURCE_CHARS,
    max_nesting: int = DEFAULT_MAX_NESTING,
) -> ast.Program:
    """Parse program text into a Program; raise AdcliSyntaxError or AdcliLimitError."""
    if not isinstance(source, str):
        raise AdcliSyntaxError(f"a program is text, not {type(source).__name__}")
    if len(source) > max_chars:
        raise AdcliLimitError(
            f"the program has {len(source):,} characters; the limit is {max_chars:,}",
            _offset_span(source, max_chars),
            hint="raise Limits.max_source_chars to allow longer programs",
            limit="max_source_chars",
        ).with_source(source)
    # A byte-order mark some editors write is not part of the program.
    if source.startswith("\ufeff"):
        source = " " + source[1:]
    # The indenter closes blocks at a newline, so the text must end with one.
    text = source if source.endswith("\n") else source + "\n"
    p = get_parser()
    with p.lock:
        state = _LexState(_first_indent(text), max_nesting, len(text))
        p.indenter.state = state
        p.builder.begin(text)
        try:
            return p.lark.parse(text)
        except AdcliError as error:
            raise error.with_source(source) from None
        except UnexpectedCharacters as error:
            raise _unexpected_character(error, text).with_source(source) from None
        except (UnexpectedToken, UnexpectedEOF) as error:
            raise _unexpected_token(error, state, p.terminals).with_source(source) from None
        except UnexpectedInput as error:  # any other lark input error, still in words
            raise AdcliSyntaxError(
                "invalid syntax", _offset_span(text, getattr(error, "pos_in_stream", 0) or 0)
            ).with_source(source) from None
        except RecursionError:
            raise AdcliLimitError(
                "the program is nested too deeply to parse", hint="split it into smaller parts"
            ).with_source(source) from None
        finally:
            p.indenter.state = None


# ---- spans -----------------------------------------------------------------------


def _tok_span(tok: Token) -> Span:
    return Span(tok.line, tok.column, tok.start_pos, tok.end_pos, tok.end_line, tok.end_column)


def _join(a: Span, b: Span) -> Span:
    return Span(a.line, a.column, a.start, b.end, b.end_line, b.end_column)


def _after(tok: Token) -> Span:
    """A one-character span just after a token: where something is missing."""
    return Span(
        tok.end_line, tok.end_column, tok.end_pos, tok.end_pos, tok.end_line, tok.end_column + 1
    )


def _offset_span(text: str, offset: int) -> Span:
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(line, column, offset, offset + 1, line, column + 1)


def _columns(lead: str) -> tuple[int, int]:
    """An indentation's width with tabs of 8 columns and with tabs of 1, as Python
    measures it: two lines whose order differs between the two are ambiguous."""
    wide = narrow = 0
    for char in lead:
        if char == "\t":
            wide = (wide // _TAB_LEN + 1) * _TAB_LEN  # to the next tab stop
            narrow += 1
        elif char == " ":
            wide += 1
            narrow += 1
    return wide, narrow


def _first_indent(text: str) -> tuple[int, int]:
    """The indentation of the first line with code: the level blocks are measured from."""
    for raw in text.split("\n"):
        stripped = raw.lstrip(" \t\f")
        if stripped and not stripped.startswith("#"):
            return _columns(raw[: len(raw) - len(stripped)])
    return (0, 0)


# ---- post-lexer: indentation, brackets, history -----------------------------------


class _LexState:
    __slots__ = ("history", "brackets", "base", "max_nesting", "length")

    def __init__(self, base: tuple[int, int], max_nesting: int, length: int = -1) -> None:
        self.history: list[Token] = []
        self.brackets: list[Token] = []
        self.base = base
        self.max_nesting = max_nesting
        self.length = length  # of the text: the last newline closes every block


class _Indenter(PostLex):
    """Python's indentation rules, plus bracket tracking and the nesting limit."""

    always_accept = ("_NEWLINE",)

    def __init__(self) -> None:
        self.state: _LexState | None = None

    def process(self, stream):  # type: ignore[no-untyped-def]
        return self._process(stream, self.state or _LexState((0, 0), DEFAULT_MAX_NESTING))

    def _process(self, stream, st: _LexState):  # type: ignore[no-untyped-def]
        history = st.history
        brackets = st.brackets
        levels = [st.base]
        token = None
        prev = None  # the last token yielded, for implicit multiplication
        indented = (1, "")  # the last indented line, for a TabError's message
        for token in stream:
            kind = token.type
            if kind == "_NEWLINE":
                if brackets:  # inside brackets a newline is only whitespace
                    continue
                history.append(token)
                prev = token
                yield token
                indent_str = token.rsplit("\n", 1)[1]
                indent = _columns(indent_str)
                if token.end_pos >= st.length:
                    indent = levels[0]
                _check_tabs(indent, levels[-1], indent_str, token, indented)
                if indent_str and "\n" in token:
                    indented = (token.end_line, indent_str)
                if indent > levels[-1]:
                    levels.append(indent)
                    if len(levels) > st.max_nesting:
                        raise AdcliLimitError(
                            f"blocks are nested more than {st.max_nesting} deep",
                            _after(token),
                            hint="split the program into smaller parts (from Python, "
                                 "Limits(max_nesting=N) raises the limit)", limit="max_nesting",
                        )
                    indent_tok = Token.new_borrow_pos("_INDENT", indent_str, token)
                    history.append(indent_tok)
                    yield indent_tok
                    continue
                while indent < levels[-1] and len(levels) > 1:
                    levels.pop()
                    _check_tabs(indent, levels[-1], indent_str, token, indented)
                    dedent = Token.new_borrow_pos("_DEDENT", indent_str, token)
                    history.append(dedent)
                    yield dedent
                if indent != levels[-1]:
                    raise AdcliSyntaxError(
                        "unindent does not match any outer indentation level",
                        _after(token),
                    )
                continue
            if kind in _OPEN:
                brackets.append(token)
                if len(brackets) > st.max_nesting:
                    raise AdcliLimitError(
                        f"brackets are nested more than {st.max_nesting} deep",
                        _tok_span(token),
                        hint="split the program into smaller parts (from Python, "
                             "Limits(max_nesting=N) raises the limit)", limit="max_nesting",
                    )
            elif kind in _CLOSE:
                if not brackets:
                    raise AdcliSyntaxError(f"unmatched '{token}'", _tok_span(token))
                opener = brackets.pop()
                if _OPEN[opener.type] != token.value:
                    raise AdcliSyntaxError(
                        f"'{token}' does not match '{opener}' opened at "
                        f"{opener.line}:{opener.column}",
                        _tok_span(token),
                    )
            if prev is not None and _implied_product(prev, token):
                implicit = Token.new_borrow_pos("IMPLICIT", "", token)
                history.append(implicit)
                yield implicit
            history.append(token)
            prev = token
            yield token
        while len(levels) > 1:
            levels.pop()
            yield Token.new_borrow_pos("_DEDENT", "", token) if token else Token("_DEDENT", "")


# What may stand before and after an implied product, on one line: 2x, 2pi, 3sin(x),
# 2(x+1), x²y, (x+1)(x-1). A name before '(' is a call, and two names side by side
# (x y) are not a product readers agree on, so neither is implied.
_IMPLIED_AFTER = {"NUMBER": {"NAME", "LPAR", "PI"}, "PI": {"NAME", "LPAR", "PI"},
                  "SUPERSCRIPT": {"NAME", "LPAR", "PI"}, "RPAR": {"LPAR"}}


def _implied_product(prev: Token, token: Token) -> bool:
    follows = _IMPLIED_AFTER.get(prev.type)
    if follows is None or token.type not in follows or prev.end_line != token.line:
        return False
    if prev.type == "NUMBER" and token.type == "NAME" and prev.end_pos == token.start_pos:
        # Literals other languages have, which would silently read as products here.
        if token.value.startswith("_"):
            raise AdcliSyntaxError(
                f"'{prev}{token}': digit separators '_' are not part of the adcli language",
                _join(_tok_span(prev), _tok_span(token)),
                hint=f"write the number without them: {prev}{token.value.replace('_', '')}")
        if prev.value == "0" and token.value[:1] in ("x", "o", "b") and len(token.value) > 1 \
                and all(c in "0123456789abcdefABCDEF" for c in token.value[1:]):
            raise AdcliSyntaxError(
                f"'0{token}': hexadecimal, octal and binary literals are not part of the "
                "adcli language", _join(_tok_span(prev), _tok_span(token)),
                hint="write the number in decimal (for a product, write 0*" f"{token})")
    return True


def _check_tabs(indent: tuple[int, int], level: tuple[int, int], text: str,
                newline: Token, before: tuple[int, str]) -> None:
    """Python's TabError: a line whose indentation compares with its block's one way
    when a tab is 8 columns and another way when it is 1 is ambiguous. `before` is the
    line number and indentation of the last indented line, for the message."""
    wide, narrow = indent
    if (wide > level[0]) == (narrow > level[1]) and (wide == level[0]) == (narrow == level[1]):
        return
    line = newline.end_line
    span = Span(line, 1, newline.end_pos - len(text), newline.end_pos, line, len(text) + 1)
    raise AdcliSyntaxError(
        f"inconsistent use of tabs and spaces: line {line} is indented with "
        f"{_whitespace(text)} and line {before[0]} with {_whitespace(before[1])}", span,
        hint="indent with spaces only (or with tabs only): how many spaces a tab stands "
             "for is not agreed")


def _whitespace(text: str) -> str:
    """'a tab and 4 spaces': an indentation in words."""
    def count(n: int, word: str) -> str:
        return f"a {word}" if n == 1 else f"{n} {word}s"

    tabs, spaces = text.count("\t"), text.count(" ")
    parts = [count(tabs, "tab")] if tabs else []
    parts += [count(spaces, "space")] if spaces else []
    return " and ".join(parts) or "nothing"


# ---- syntax errors in words ------------------------------------------------------

_EXPR_START = {"NUMBER", "NAME", "LPAR", "LSQB", "MINUS", "PLUS", "NOT", "TRUE", "FALSE"}
_OPERATOR_VALUES = {
    "+", "-", "*", "/", "//", "%", "@", "**", "^", "<", "<=", "==", "!=", ">", ">=",
    "and", "or", "if", ".", "(", "[",
}
_LAYOUT = {"_NEWLINE", "_INDENT", "_DEDENT", "$END"}
# Two values side by side with no operator between them (x y, 2 3, x(1) y).
_VALUE_END = {"NAME", "NUMBER", "RPAR", "RSQB", "PI", "TRUE", "FALSE", "SUPERSCRIPT"}
_VALUE_START = {"NAME", "NUMBER", "PI", "TRUE", "FALSE"}
_BLOCK_KEYWORDS = {"IF", "ELIF", "ELSE", "FOR", "WHILE", "DEF"}
# Python words a user may reach for; the message names them instead of the next token.
_UNSUPPORTED_WORDS = {
    "import", "from", "lambda", "class", "with", "try", "except", "finally", "raise",
    "global", "nonlocal", "del", "yield", "assert", "async", "await", "is", "print",
}


def _describe_token(tok: Token) -> str:
    if tok.type == "NAME":
        return f"name '{tok}'"
    if tok.type == "NUMBER":
        return f"number '{tok}'"
    if tok.type == "_NEWLINE":
        return "end of line"
    if tok.type == "$END":
        return "end of input"
    if tok.type == "_INDENT":
        return "indent"
    if tok.type == "_DEDENT":
        return "unindent"
    return f"'{tok}'"


def _describe_expected(expected: set[str], terminals: dict) -> list[str]:
    values: dict[str, str | None] = {}
    for name in expected:
        term = terminals.get(name)
        pattern = getattr(term, "pattern", None)
        is_str = pattern is not None and type(pattern).__name__ == "PatternStr"
        values[name] = pattern.value if is_str else None
    groups: list[str] = []
    rest = set(expected)
    if rest & {"NAME", "NUMBER"}:
        groups.append("an expression")
        rest -= _EXPR_START
    operators = {n for n in rest if values.get(n) in _OPERATOR_VALUES or n in ("AUGOP", "EQUAL")}
    if operators - {"LPAR", "LSQB"}:
        groups.append("an operator")
    rest -= operators
    for name in sorted(rest, key=lambda n: (n in _LAYOUT, values.get(n) or n)):
        if name in ("_NEWLINE", "$END"):
            word = "end of line"
        elif name == "_INDENT":
            word = "an indented block"
        elif name == "_DEDENT":
            continue
        elif values.get(name) is not None:
            word = f"'{values[name]}'"
        else:
            word = name.lower()
        if word not in groups:
            groups.append(word)
    return groups


def _join_words(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _unexpected_character(error: UnexpectedCharacters, text: str) -> AdcliSyntaxError:
    char = error.char
    span = _offset_span(text, error.pos_in_stream)
    if char in "'\"":
        return AdcliSyntaxError("strings are not part of the adcli language", span)
    if char in "{}":
        return AdcliSyntaxError(f"'{char}' is not part of the adcli language", span)
    if char in "&~":
        words = {"&": "and", "~": "not"}
        return AdcliSyntaxError(
            f"unexpected character '{char}'; use '{words[char]}' instead", span
        )
    return AdcliSyntaxError(f"unexpected character {char!r}", span)


def _unexpected_token(
    error: UnexpectedToken | UnexpectedEOF, st: _LexState, terminals: dict
) -> AdcliSyntaxError:
    tok: Token = getattr(error, "token", None) or Token("$END", "")
    expected: set[str] = set(getattr(error, "expected", ()) or ())
    history = st.history
    # The token before the offending one (the offending one may not be in the history
    # when the contextual lexer rejected it before the post-lexer saw it).
    index = next(
        (i for i in range(len(history) - 1, max(len(history) - 4, -1), -1) if history[i] is tok),
        len(history),
    )
    prev_candidates = [t for t in history[:index] if t.type not in ("_INDENT", "_DEDENT")]
    prev = prev_candidates[-1] if prev_candidates else None
    at_end = tok.type in ("$END", "_NEWLINE", "_DEDENT")
    span = _after(prev) if at_end and prev is not None else _tok_span(tok)
    if tok.type == "$END" and prev is None:
        span = Span(1, 1, 0, 0, 1, 2)

    if st.brackets and (
        tok.type == "$END" or (prev is not None and tok.line > prev.line and tok.line > 0)
    ):
        opener = st.brackets[-1]
        return AdcliSyntaxError(
            f"unclosed '{opener}' opened at {opener.line}:{opener.column}", _tok_span(opener)
        )
    if tok.type == "_INDENT":
        # The indent token carries its newline's place; the indented line is the next.
        line, width = tok.end_line, len(str(tok))
        return AdcliSyntaxError("unexpected indent",
                                Span(line, 1, tok.end_pos - width, tok.end_pos, line,
                                     width + 1))
    if tok.type == "BANG":
        return AdcliSyntaxError(
            "'!' before a value is not negation in adcli", _tok_span(tok),
            hint="write 'not x' for negation and '!=' for 'is not equal'; 'n!' after a "
                 "value is the factorial")
    if tok.type == "NAME" and tok.value in _UNSUPPORTED_WORDS:
        return AdcliSyntaxError(f"'{tok}' is not part of the adcli language", _tok_span(tok))
    if prev is not None and prev.type == "NAME" and prev.value in _UNSUPPORTED_WORDS:
        return AdcliSyntaxError(f"'{prev}' is not part of the adcli language", _tok_span(prev))
    if "_INDENT" in expected:
        header = next(
            (t for t in reversed(history[:index]) if t.type in _BLOCK_KEYWORDS), None
        )
        where = f"'{header}' on line {header.line}" if header is not None else "':'"
        return AdcliSyntaxError(f"expected an indented block after {where}", span)
    if expected & {"NAME", "NUMBER"} and prev is not None and prev.type not in _LAYOUT | {
        "SEMICOLON"
    }:
        found = "" if at_end else f", found {_describe_token(tok)}"
        return AdcliSyntaxError(f"expected an expression after '{prev}'{found}", span)
    if tok.type == "EQUAL":
        return AdcliSyntaxError(
            "cannot assign here: the left side of '=' must be a name (use '==' to compare)",
            _tok_span(tok),
        )
    if (prev is not None and prev.type in _VALUE_END and tok.type in _VALUE_START
            and prev.end_line == tok.line and "STAR" in expected):
        return AdcliSyntaxError(
            f"unexpected {_describe_token(tok)} after '{prev}'", _tok_span(tok),
            hint=f"for a product write '{prev}*{tok}'" if prev.type in _VALUE_START
            else "for a product write '*' between them")
    if tok.type == "AUGOP":
        return AdcliSyntaxError(
            f"cannot assign here: the left side of '{tok}' must be a name", _tok_span(tok)
        )
    message = f"unexpected {_describe_token(tok)}"
    words = _describe_expected(expected, terminals)
    if words and len(words) <= 5:
        message += f"; expected {_join_words(words)}"
    return AdcliSyntaxError(message, span)


# ---- the AST builder (a Lark inline transformer) -----------------------------------

_AUGOPS = {
    "+=": "add", "-=": "subtract", "*=": "multiply", "/=": "divide", "//=": "floor_divide",
    "%=": "mod", "**=": "pow", "^=": "pow", "@=": "matmul",
}
_COMPARE = {
    "<": "less", "<=": "less_equal", "==": "equal", "!=": "not_equal", ">": "greater",
    ">=": "greater_equal",
}


_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _binop(op: str):  # type: ignore[no-untyped-def]
    def build(self, children):  # type: ignore[no-untyped-def]
        left, right = children
        return ast.BinOp(op, left, right, _join(left.span, right.span))

    build.__name__ = op
    return build


def _span_of(item: object) -> Span:
    return _tok_span(item) if isinstance(item, Token) else item.span  # type: ignore[attr-defined]


class _ASTBuilder(Transformer):
    """Builds AST nodes as the LALR parser reduces rules (method name = rule alias)."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.begin("")

    def begin(self, text: str) -> None:
        """Start a parse of `text` (its last character is the newline parse() adds)."""
        self.text = text
        self.length = len(text) - 1 if text else 0
        # Implied products not (yet) in parentheses, and parenthesized expressions, by
        # id: `1/2x` is ambiguous where `1/(2x)` is not, and `sin^2(x)` needs to know
        # that `(x)` was written in parentheses.
        self.implied: set[int] = set()
        self.parenthesized_ids: set[int] = set()

    # -- program structure
    def start(self, lines):  # type: ignore[no-untyped-def]
        body = tuple(stmt for line in lines for stmt in line)
        return ast.Program(body, Span(1, 1, 0, self.length))

    def line(self, stmts):  # type: ignore[no-untyped-def]
        return stmts

    def block(self, lines):  # type: ignore[no-untyped-def]
        return tuple(stmt for line in lines for stmt in line)

    def inline(self, children):  # type: ignore[no-untyped-def]
        return tuple(children[0])

    # -- simple statements
    def assign(self, children):  # type: ignore[no-untyped-def]
        name, value = children
        target = ast.Name(str(name), _tok_span(name))
        return ast.Assign(target, value, _join(target.span, value.span))

    def augassign(self, children):  # type: ignore[no-untyped-def]
        name, op, value = children
        target = ast.Name(str(name), _tok_span(name))
        return ast.AugAssign(target, _AUGOPS[str(op)], value, _join(target.span, value.span))

    def expr_stmt(self, children):  # type: ignore[no-untyped-def]
        return ast.ExprStmt(children[0], children[0].span)

    def pass_stmt(self, children):  # type: ignore[no-untyped-def]
        return ast.Pass(_tok_span(children[0]))

    def break_stmt(self, children):  # type: ignore[no-untyped-def]
        return ast.Break(_tok_span(children[0]))

    def continue_stmt(self, children):  # type: ignore[no-untyped-def]
        return ast.Continue(_tok_span(children[0]))

    def return_stmt(self, children):  # type: ignore[no-untyped-def]
        keyword, value = children
        span = _tok_span(keyword)
        return ast.Return(value, _join(span, value.span) if value is not None else span)

    # -- compound statements (a header's span runs from its keyword to its colon part)
    def if_stmt(self, children):  # type: ignore[no-untyped-def]
        keyword, test, body, *clauses, _else, orelse = children
        chain = [(keyword, test, body)] + clauses
        tail: tuple = tuple(orelse) if orelse is not None else ()
        for kw, cond, suite in reversed(chain):
            tail = (ast.If(cond, suite, tail, _join(_tok_span(kw), cond.span)),)
        return tail[0]

    def elif_clause(self, children):  # type: ignore[no-untyped-def]
        return tuple(children)

    def while_stmt(self, children):  # type: ignore[no-untyped-def]
        keyword, test, body = children
        return ast.While(test, body, _join(_tok_span(keyword), test.span))

    def for_stmt(self, children):  # type: ignore[no-untyped-def]
        keyword, name, iterable, body = children
        target = ast.Name(str(name), _tok_span(name))
        return ast.For(target, iterable, body, _join(_tok_span(keyword), iterable.span))

    def funcdef(self, children):  # type: ignore[no-untyped-def]
        keyword, name, params, body = children
        params = tuple(params or ())
        seen: set[str] = set()
        had_default = False
        for param in params:
            if param.name in seen:
                raise AdcliSyntaxError(
                    f"duplicate parameter '{param.name}' in function '{name}'", param.span
                )
            seen.add(param.name)
            if param.default is not None:
                had_default = True
            elif had_default:
                raise AdcliSyntaxError(
                    f"parameter '{param.name}' without a default follows one with a default",
                    param.span,
                )
        return ast.FunctionDef(str(name), params, body, _join(_tok_span(keyword), _tok_span(name)))

    def params(self, children):  # type: ignore[no-untyped-def]
        return [c for c in children if c is not None]

    def param(self, children):  # type: ignore[no-untyped-def]
        name, default = children
        span = _tok_span(name)
        return ast.Param(str(name), default, _join(span, default.span) if default else span)

    # -- expressions
    def ifexp(self, children):  # type: ignore[no-untyped-def]
        body, test, orelse = children
        return ast.IfExp(test, body, orelse, _join(body.span, orelse.span))

    def logical_or(self, values):  # type: ignore[no-untyped-def]
        return ast.BoolOp("or", tuple(values), _join(values[0].span, values[-1].span))

    def logical_and(self, values):  # type: ignore[no-untyped-def]
        return ast.BoolOp("and", tuple(values), _join(values[0].span, values[-1].span))

    def logical_not(self, children):  # type: ignore[no-untyped-def]
        keyword, operand = children
        return ast.UnaryOp("logical_not", operand, _join(_tok_span(keyword), operand.span))

    def compare(self, children):  # type: ignore[no-untyped-def]
        operands = tuple(children[0::2])
        ops = tuple(_COMPARE[str(tok)] for tok in children[1::2])
        return ast.Compare(ops, operands, _join(operands[0].span, operands[-1].span))

    add = _binop("add")
    subtract = _binop("subtract")
    multiply = _binop("multiply")
    matmul = _binop("matmul")
    pow = _binop("pow")
    _divide = _binop("divide")
    _floor_divide = _binop("floor_divide")
    _mod = _binop("mod")

    def divide(self, children):  # type: ignore[no-untyped-def]
        self._unambiguous(children, "/")
        return self._divide(children)

    def floor_divide(self, children):  # type: ignore[no-untyped-def]
        self._unambiguous(children, "//")
        return self._floor_divide(children)

    def mod(self, children):  # type: ignore[no-untyped-def]
        self._unambiguous(children, "%")
        return self._mod(children)

    def _source(self, node: object) -> str:
        span = _span_of(node)
        return self.text[span.start:span.end]

    def _unambiguous(self, children, op: str) -> None:  # type: ignore[no-untyped-def]
        """`1/2x`: some calculators read 1/(2x), others (1/2)x; say both."""
        left, right = children
        if id(right) not in self.implied:
            return
        a, b = self._source(left), self._source(right)
        first, rest = self._source(right.left), self._source(right.right)
        shown = self.text[_span_of(left).start:_span_of(right).end]
        raise AdcliSyntaxError(
            f"'{shown}' is ambiguous: calculators read it as {a}{op}({b}) or as "
            f"({a}{op}{first})*{rest}", _join(left.span, right.span),
            hint=f"write '{a}{op}({b})' for the first reading or '({a}{op}{first})*{rest}' "
                 "for the second")

    def implicit_multiply(self, children):  # type: ignore[no-untyped-def]
        left, _implicit, right = children
        rewritten = self._function_power(left, right)
        if rewritten is not None:
            return rewritten
        node = ast.BinOp("multiply", left, right, _join(left.span, right.span))
        self.implied.add(id(node))
        return node

    def _function_power(self, left, right):  # type: ignore[no-untyped-def]
        """`sin^2(x)` is sin(x)^2, as on paper; `sin^-1(x)` (asin or 1/sin) is an error
        that shows both. Only for a builtin function's name, so that `a^2(x+1)` stays
        a product. A coefficient before it (`2sin^2(x)`) keeps its place."""
        if isinstance(left, ast.BinOp) and left.op == "multiply" and id(left) in self.implied:
            inner = self._function_power(left.right, right)
            if inner is None:
                return None
            node = ast.BinOp("multiply", left.left, inner, _join(left.span, right.span))
            self.implied.add(id(node))
            return node
        if not (isinstance(left, ast.BinOp) and left.op == "pow"
                and isinstance(left.left, ast.Name) and id(right) in self.parenthesized_ids):
            return None
        from adcli.lang import builtins  # only here: it imports the engine

        name = left.left.id
        if not builtins.is_builtin(name):
            return None
        exponent = left.right
        span = _join(left.span, right.span)
        written = self.text[span.start:span.end]
        arg = self._source(right)[1:-1]  # without its parentheses
        if isinstance(exponent, ast.UnaryOp) and exponent.op == "negative":
            power = self._source(exponent)
            inverse = f"a{name}"
            readings = [f"{name}({arg})^{power}"]
            if power.replace(" ", "") in ("-1", "−1") and builtins.is_builtin(inverse):
                readings = [f"{inverse}({arg}) (the inverse function)",
                            f"1/{name}({arg}) (the reciprocal)"]
            raise AdcliSyntaxError(
                f"'{written}' is ambiguous: write " + " or ".join(readings), span,
                hint="a negative power of a function's name is not read as a power of "
                     "its value")
        call = ast.Call(left.left, (right,), (), _join(left.left.span, right.span))
        return ast.BinOp("pow", call, exponent, span)

    def parenthesized(self, children):  # type: ignore[no-untyped-def]
        open_, inner, close = children
        # The node spans its parentheses, so that messages quote '(x+1)', not 'x+1)'.
        node = replace(inner, span=_join(_tok_span(open_), _tok_span(close)))
        self.parenthesized_ids.add(id(node))
        return node

    def factorial(self, children):  # type: ignore[no-untyped-def]
        value, bang = children
        span = _join(value.span, _tok_span(bang))
        if (isinstance(value, ast.Call) and value.func.id == "factorial"
                and value.func.span.end == bang.start_pos):
            raise AdcliSyntaxError(
                "'n!!' (the double factorial) is not part of the adcli language", span,
                hint="for the factorial of a factorial write '(n!)!'")
        return ast.Call(ast.Name("factorial", _tok_span(bang)), (value,), (), span)

    def negative(self, children):  # type: ignore[no-untyped-def]
        sign, operand = children
        return ast.UnaryOp("negative", operand, _join(_tok_span(sign), operand.span))

    def superscript_pow(self, children):  # type: ignore[no-untyped-def]
        base, digits = children
        exponent = ast.Number(float(str(digits).translate(_SUPERSCRIPT_DIGITS)),
                              _tok_span(digits))
        return ast.BinOp("pow", base, exponent, _join(base.span, exponent.span))

    def abs_bars(self, children):  # type: ignore[no-untyped-def]
        open_, value, close = children
        span = _join(_tok_span(open_), _tok_span(close))
        return ast.Call(ast.Name("abs", _tok_span(open_)), (value,), (), span)

    def pi(self, children):  # type: ignore[no-untyped-def]
        return ast.Name("pi", _tok_span(children[0]))

    def positive(self, children):  # type: ignore[no-untyped-def]
        sign, operand = children
        return ast.UnaryOp("positive", operand, _join(_tok_span(sign), operand.span))

    def call(self, children):  # type: ignore[no-untyped-def]
        func, arguments, close = children
        span = _join(func.span, _tok_span(close))
        if not isinstance(func, ast.Name):
            raise AdcliSyntaxError("only functions called by name can be called", span)
        args: list = []
        keywords: list[ast.Keyword] = []
        for arg in arguments or ():
            if isinstance(arg, ast.Keyword):
                if any(k.name == arg.name for k in keywords):
                    raise AdcliSyntaxError(f"keyword argument '{arg.name}' repeated", arg.span)
                keywords.append(arg)
            elif keywords:
                raise AdcliSyntaxError(
                    "a positional argument cannot follow a keyword argument", arg.span
                )
            else:
                args.append(arg)
        return ast.Call(func, tuple(args), tuple(keywords), span)

    def arguments(self, children):  # type: ignore[no-untyped-def]
        return [c for c in children if c is not None]

    def keyword(self, children):  # type: ignore[no-untyped-def]
        name, value = children
        return ast.Keyword(str(name), value, _join(_tok_span(name), value.span))

    def index(self, children):  # type: ignore[no-untyped-def]
        value, subscripts, close = children
        return ast.Index(value, tuple(subscripts), _join(value.span, _tok_span(close)))

    def subscripts(self, children):  # type: ignore[no-untyped-def]
        return [c for c in children if c is not None]

    def slice(self, children):  # type: ignore[no-untyped-def]
        lower, colon, upper, colon2, step = children
        present = [c for c in children if c is not None]
        span = _join(_span_of(present[0]), _span_of(present[-1]))
        del colon, colon2
        return ast.Slice(lower, upper, step, span)

    def attribute(self, children):  # type: ignore[no-untyped-def]
        value, name = children
        span = _join(value.span, _tok_span(name))
        if str(name) != "shape":
            hint = None
            if isinstance(value, ast.Name) and value.id in ("tf", "np", "numpy", "math"):
                hint = f"write '{name}(...)' instead of '{value.id}.{name}(...)'"
            raise AdcliSyntaxError(
                f"'.{name}' is not available: '.shape' is the only attribute", span, hint=hint
            )
        return ast.Attribute(value, "shape", span)

    def number(self, children):  # type: ignore[no-untyped-def]
        tok = children[0]
        return ast.Number(float(tok), _tok_span(tok))

    def name(self, children):  # type: ignore[no-untyped-def]
        tok = children[0]
        return ast.Name(str(tok), _tok_span(tok))

    def true(self, children):  # type: ignore[no-untyped-def]
        return ast.Bool(True, _tok_span(children[0]))

    def false(self, children):  # type: ignore[no-untyped-def]
        return ast.Bool(False, _tok_span(children[0]))

    def tensor(self, children):  # type: ignore[no-untyped-def]
        open_, elements, close = children
        return ast.TensorLiteral(
            tuple(elements or ()), _join(_tok_span(open_), _tok_span(close))
        )

    def elements(self, children):  # type: ignore[no-untyped-def]
        return [c for c in children if c is not None]
