"""adcli.records: value classes with what frozen dataclasses give, made cheaply."""

from __future__ import annotations

import copy
import pickle
from typing import ClassVar

import pytest

from adcli.errors import Span
from adcli.lang import ast
from adcli.lang.interpreter import Limits
from adcli.records import FrozenInstanceError, Record, field, fields, replace


class Point(Record):
    x: float
    y: float = 0.0
    tags: dict = field(default_factory=dict)
    note: str = field(default="", repr=False, compare=False)
    kind: ClassVar[str] = "point"


class Checked(Record):
    n: int = 1

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be at least 1, not {self.n}")


class Counter(Record, frozen=False, eq=False):
    count: int = 0


def test_fields_are_taken_in_order_with_defaults_and_factories():
    point = Point(1.5)
    assert (point.x, point.y, point.tags, point.note) == (1.5, 0.0, {}, "")
    assert Point(1.0, y=2.0).y == 2.0
    assert point.tags is not Point(1.5).tags  # a new dict for each instance
    assert fields(point) == fields(Point) == ("x", "y", "tags", "note")
    assert Point.kind == "point"  # a ClassVar is not a field


def test_wrong_arguments_are_python_type_errors():
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'x'"):
        Point()
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1.0, z=2.0)


def test_a_field_without_default_after_one_with_a_default_is_refused():
    with pytest.raises(TypeError, match="'b' without a default follows 'a'"):
        class Bad(Record):
            a: int = 1
            b: int


def test_records_are_frozen():
    point = Point(1.0)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        point.x = 2.0
    with pytest.raises(AttributeError):
        del point.y
    with pytest.raises(AttributeError):
        point.other = 1  # slots: no attribute that is not a field


def test_equality_and_hash_follow_the_compared_fields():
    assert Point(1.0, 2.0) == Point(1.0, 2.0, note="ignored")
    assert Point(1.0, 2.0) != Point(1.0, 3.0)
    assert Point(1.0) != (1.0, 0.0, {}, "")
    assert hash(Span(1, 2, 0, 1)) == hash(Span(1, 2, 0, 1))
    assert len({Span(1, 2, 0, 1), Span(1, 2, 0, 1), Span(2, 1, 3, 4)}) == 2


def test_eq_false_compares_by_identity_and_frozen_false_allows_assignment():
    a, b = Counter(), Counter()
    assert a != b and a == a and len({a, b}) == 2
    a.count = 3
    assert a.count == 3
    left = ast.Name("x", Span(1, 1, 0, 1))
    assert left != ast.Name("x", Span(1, 1, 0, 1))


def test_repr_shows_the_fields_with_repr():
    assert repr(Point(1.0, 2.0, note="hidden")) == "Point(x=1.0, y=2.0, tags={})"


def test_post_init_checks_every_construction_including_replace():
    assert Checked(3).n == 3
    with pytest.raises(ValueError, match="at least 1, not 0"):
        Checked(0)
    with pytest.raises(ValueError, match="at least 1, not -1"):
        replace(Checked(2), n=-1)


def test_replace_makes_a_changed_copy_and_names_an_unknown_field():
    limits = Limits()
    raised = replace(limits, max_iterations=5)
    assert raised.max_iterations == 5 and limits.max_iterations == 10**6
    assert raised.max_call_depth == limits.max_call_depth
    with pytest.raises(TypeError, match="Limits has no field 'max_loops'"):
        replace(limits, max_loops=5)


def test_records_pickle_and_copy_by_their_fields():
    span = Span(2, 3, 10, 12, 2, 5)
    assert pickle.loads(pickle.dumps(span)) == span
    assert copy.deepcopy(Point(1.0, tags={"a": 1})) == Point(1.0, tags={"a": 1})
    tree = ast.BinOp("add", ast.Name("x", span), ast.Number(1.0, span), span)
    again = pickle.loads(pickle.dumps(tree))
    assert ast.dump(again) == ast.dump(tree) == "BinOp(add, Name(x), Number(1.0))"
    assert again.span == span


def test_records_match_positionally_and_show_their_signature_before_any_instance():
    import inspect

    class Fresh(Record):  # no instance made yet: its __init__ is not compiled
        a: int
        b: str = "x"

    assert str(inspect.signature(Fresh)).startswith("(a, b='x')")
    assert Fresh.__match_args__ == ("a", "b")
    match Span(3, 4, 10, 11):
        case Span(line, column):
            assert (line, column) == (3, 4)
    assert Fresh(1).b == "x"
