"""The adcli language's syntax tree: frozen records, each with its source `Span`.

One responsibility: the shape of a parsed program. Operator nodes carry the name of
the engine primitive they call (`BinOp("add", ...)`, `Compare(("less",), ...)`), so
one word runs from grammar to AST to the engine's registry. `dump` prints a tree
compactly (without spans) for golden tests and debugging; compare trees with it.
Nodes compare and hash by identity (`eq=False`): structural equality is never needed
at run time, and a node in a dict or set (the interpreter's caches) is looked up by
identity in constant time. Imports only adcli.errors and adcli.records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adcli.errors import Span
from adcli.records import Record, fields

# ---- expressions -----------------------------------------------------------------


class Number(Record, eq=False):
    value: float
    span: Span


class Bool(Record, eq=False):
    value: bool
    span: Span


class Name(Record, eq=False):
    id: str
    span: Span


class TensorLiteral(Record, eq=False):
    elements: tuple[Expr, ...]
    span: Span


class BinOp(Record, eq=False):
    op: str  # add subtract multiply divide floor_divide mod pow matmul
    left: Expr
    right: Expr
    span: Span


class UnaryOp(Record, eq=False):
    op: str  # negative positive logical_not
    operand: Expr
    span: Span


class Compare(Record, eq=False):
    ops: tuple[str, ...]  # less less_equal equal not_equal greater greater_equal
    operands: tuple[Expr, ...]  # one more than ops: `1 < i < 5` is a chain
    span: Span


class BoolOp(Record, eq=False):
    op: str  # "and" | "or"
    values: tuple[Expr, ...]
    span: Span


class IfExp(Record, eq=False):
    test: Expr
    body: Expr
    orelse: Expr
    span: Span


class Keyword(Record, eq=False):
    name: str
    value: Expr
    span: Span


class Call(Record, eq=False):
    func: Name
    args: tuple[Expr, ...]
    keywords: tuple[Keyword, ...]
    span: Span


class Slice(Record, eq=False):
    lower: Expr | None
    upper: Expr | None
    step: Expr | None
    span: Span


class Index(Record, eq=False):
    value: Expr
    index: tuple[Expr | Slice, ...]
    span: Span


class Attribute(Record, eq=False):
    value: Expr
    attr: str  # only "shape" gets past the parser
    span: Span


# ---- statements ------------------------------------------------------------------


class Assign(Record, eq=False):
    target: Name
    value: Expr
    span: Span


class AugAssign(Record, eq=False):
    target: Name
    op: str  # the BinOp primitive: `x += 1` is AugAssign(x, "add", 1)
    value: Expr
    span: Span


class ExprStmt(Record, eq=False):
    value: Expr
    span: Span


class If(Record, eq=False):
    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]  # `elif` is an If inside orelse
    span: Span


class For(Record, eq=False):
    target: Name
    iter: Expr
    body: tuple[Stmt, ...]
    span: Span


class While(Record, eq=False):
    test: Expr
    body: tuple[Stmt, ...]
    span: Span


class Break(Record, eq=False):
    span: Span


class Continue(Record, eq=False):
    span: Span


class Pass(Record, eq=False):
    span: Span


class Return(Record, eq=False):
    value: Expr | None
    span: Span


class Param(Record, eq=False):
    name: str
    default: Expr | None
    span: Span


class FunctionDef(Record, eq=False):
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    span: Span


class Program(Record, eq=False):
    body: tuple[Stmt, ...]
    span: Span


if TYPE_CHECKING:
    Expr = (
        Number | Bool | Name | TensorLiteral | BinOp | UnaryOp | Compare | BoolOp | IfExp | Call
        | Index | Attribute
    )
    Stmt = (
        Assign | AugAssign | ExprStmt | If | For | While | Break | Continue | Pass | Return
        | FunctionDef
    )
    Node = Expr | Stmt | Slice | Keyword | Param | Program


# Every node class by its name (the AST cache rebuilds trees by name).
NODE_CLASSES: dict[str, type[Record]] = {
    name: value for name, value in list(globals().items())
    if isinstance(value, type) and issubclass(value, Record) and value.__module__ == __name__
}


def dump(node: object) -> str:
    """A compact one-line rendering without spans: `BinOp(add, Name(x), Number(1.0))`."""
    if isinstance(node, tuple):
        return "[" + ", ".join(dump(item) for item in node) + "]"
    if node is None or isinstance(node, (str, float, bool, int)):
        return str(node) if not isinstance(node, float) else repr(node)
    parts = [dump(getattr(node, name)) for name in fields(node) if name != "span"]  # type: ignore[arg-type]
    return f"{type(node).__name__}({', '.join(parts)})"
