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

from adcli.errors import Span

# ---- expressions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Number:
    value: float
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Bool:
    value: bool
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Name:
    id: str
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class TensorLiteral:
    elements: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class BinOp:
    op: str  # add subtract multiply divide floor_divide mod pow matmul
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class UnaryOp:
    op: str  # negative positive logical_not
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Compare:
    ops: tuple[str, ...]  # less less_equal equal not_equal greater greater_equal
    operands: tuple[Expr, ...]  # one more than ops: `1 < i < 5` is a chain
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class BoolOp:
    op: str  # "and" | "or"
    values: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class IfExp:
    test: Expr
    body: Expr
    orelse: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Keyword:
    name: str
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Call:
    func: Name
    args: tuple[Expr, ...]
    keywords: tuple[Keyword, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Slice:
    lower: Expr | None
    upper: Expr | None
    step: Expr | None
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Index:
    value: Expr
    index: tuple[Expr | Slice, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Attribute:
    value: Expr
    attr: str  # only "shape" gets past the parser
    span: Span


Expr = (
    Number | Bool | Name | TensorLiteral | BinOp | UnaryOp | Compare | BoolOp | IfExp | Call
    | Index | Attribute
)

# ---- statements ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Assign:
    target: Name
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class AugAssign:
    target: Name
    op: str  # the BinOp primitive: `x += 1` is AugAssign(x, "add", 1)
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class ExprStmt:
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class If:
    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]  # `elif` is an If inside orelse
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class For:
    target: Name
    iter: Expr
    body: tuple[Stmt, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class While:
    test: Expr
    body: tuple[Stmt, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Break:
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Continue:
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Pass:
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Return:
    value: Expr | None
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Param:
    name: str
    default: Expr | None
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class FunctionDef:
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Program:
    body: tuple[Stmt, ...]
    span: Span


Stmt = (
    Assign | AugAssign | ExprStmt | If | For | While | Break | Continue | Pass | Return
    | FunctionDef
)
Node = Expr | Stmt | Slice | Keyword | Param | Program


def dump(node: object) -> str:
    """A compact one-line rendering without spans: `BinOp(add, Name(x), Number(1.0))`."""
    if isinstance(node, tuple):
        return "[" + ", ".join(dump(item) for item in node) + "]"
    if node is None or isinstance(node, (str, float, bool, int)):
        return str(node) if not isinstance(node, float) else repr(node)
    parts = [dump(getattr(node, f.name)) for f in fields(node) if f.name != "span"]  # type: ignore[arg-type]
    return f"{type(node).__name__}({', '.join(parts)})"
