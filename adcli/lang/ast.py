"""The adcli language's syntax tree: frozen dataclasses, each with its source `Span`.

One responsibility: the shape of a parsed program. Operator nodes carry the name of
the engine primitive they call (`BinOp("add", ...)`, `Compare(("less",), ...)`), so
one word runs from grammar to AST to the engine's registry. `dump` prints a tree
compactly (without spans) for golden tests and debugging; compare trees with it.
Nodes compare by identity (`eq=False`): structural equality is never needed at run
time, and leaving out the generated __eq__/__hash__ makes importing this module,
which every call of the CLI does, about a quarter faster. Imports only adcli.errors.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from adcli.errors import Span

# Every class below becomes a frozen dataclass (slots, compared by identity) the
# first time it is used: see _NODE at the end of the module.

# ---- expressions -----------------------------------------------------------------


class Number:
    value: float
    span: Span


class Bool:
    value: bool
    span: Span


class Name:
    id: str
    span: Span


class TensorLiteral:
    elements: tuple[Expr, ...]
    span: Span


class BinOp:
    op: str  # add subtract multiply divide floor_divide mod pow matmul
    left: Expr
    right: Expr
    span: Span


class UnaryOp:
    op: str  # negative positive logical_not
    operand: Expr
    span: Span


class Compare:
    ops: tuple[str, ...]  # less less_equal equal not_equal greater greater_equal
    operands: tuple[Expr, ...]  # one more than ops: `1 < i < 5` is a chain
    span: Span


class BoolOp:
    op: str  # "and" | "or"
    values: tuple[Expr, ...]
    span: Span


class IfExp:
    test: Expr
    body: Expr
    orelse: Expr
    span: Span


class Keyword:
    name: str
    value: Expr
    span: Span


class Call:
    func: Name
    args: tuple[Expr, ...]
    keywords: tuple[Keyword, ...]
    span: Span


class Slice:
    lower: Expr | None
    upper: Expr | None
    step: Expr | None
    span: Span


class Index:
    value: Expr
    index: tuple[Expr | Slice, ...]
    span: Span


class Attribute:
    value: Expr
    attr: str  # only "shape" gets past the parser
    span: Span


# ---- statements ------------------------------------------------------------------


class Assign:
    target: Name
    value: Expr
    span: Span


class AugAssign:
    target: Name
    op: str  # the BinOp primitive: `x += 1` is AugAssign(x, "add", 1)
    value: Expr
    span: Span


class ExprStmt:
    value: Expr
    span: Span


class If:
    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]  # `elif` is an If inside orelse
    span: Span


class For:
    target: Name
    iter: Expr
    body: tuple[Stmt, ...]
    span: Span


class While:
    test: Expr
    body: tuple[Stmt, ...]
    span: Span


class Break:
    span: Span


class Continue:
    span: Span


class Pass:
    span: Span


class Return:
    value: Expr | None
    span: Span


class Param:
    name: str
    default: Expr | None
    span: Span


class FunctionDef:
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    span: Span


class Program:
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


# Each class above is made a frozen dataclass the first time it is looked up (by the
# parser, the interpreter or unpickling a cached tree), through the module's
# __getattr__ below. Making one costs about 0.3 ms; a call of the CLI with a small
# program needs a handful of the 27, and all of them made eagerly would cost about
# 9 ms of its start-up. The classes are the same objects on every lookup.
_NODE = dataclass(frozen=True, slots=True, eq=False)
_PENDING: dict[str, type] = {
    name: value for name, value in list(globals().items())
    if isinstance(value, type) and value.__module__ == __name__
}
for _pending_name in _PENDING:
    del globals()[_pending_name]
del _pending_name


def __getattr__(name: str) -> Any:
    pending = _PENDING.pop(name, None)
    if pending is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    node_class = _NODE(pending)
    globals()[name] = node_class
    return node_class


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PENDING))


def dump(node: object) -> str:
    """A compact one-line rendering without spans: `BinOp(add, Name(x), Number(1.0))`."""
    if isinstance(node, tuple):
        return "[" + ", ".join(dump(item) for item in node) + "]"
    if node is None or isinstance(node, (str, float, bool, int)):
        return str(node) if not isinstance(node, float) else repr(node)
    parts = [dump(getattr(node, f.name)) for f in fields(node) if f.name != "span"]  # type: ignore[arg-type]
    return f"{type(node).__name__}({', '.join(parts)})"
