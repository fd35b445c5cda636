"""Records: adcli's value classes (Span, Limits, Plan, Result, syntax-tree nodes, ...).

One responsibility: classes whose instances are their fields. A class that derives
from `Record` and annotates its fields gets what `@dataclass(frozen=True, slots=True)`
would give it, with the same words:

- an `__init__` taking the fields in order, with defaults and
  `field(default_factory=...)`, then calling `__post_init__` when the class has one;
- `__repr__`, `__eq__` and `__hash__` over the fields (a field with `repr=False` or
  `compare=False` is left out of them), and pickling by the fields;
- immutability: assigning a field raises `FrozenInstanceError` (an AttributeError);
- `__match_args__` (the fields, for `case Span(line, column): ...`) and a signature
  for `inspect.signature` and `help()`;
- `replace(record, **changes)` and `fields(record)` as module functions.

Class keywords change that: `class Node(Record, eq=False)` compares and hashes by
identity, and `frozen=False` lets fields be assigned.

Why not dataclasses: making a dataclass compiles generated source for each of up to
six methods and inspects every field, about 1 ms per class here, and a one-point
`adcli grad` makes 17 value classes on its way: about 15 ms of an 80 ms command.
A record class compiles only its `__init__` (about 0.1 ms), and only when its first
instance is made; the other methods are shared. Imports nothing from adcli.
"""

from __future__ import annotations

from typing import Any, ClassVar, dataclass_transform

_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "<missing>"})()


class FrozenInstanceError(AttributeError):
    """An assignment to a field of a frozen record."""


class Field:
    """How one field is made and shown (see `field`)."""

    __slots__ = ("default", "default_factory", "repr", "compare")

    def __init__(self, default: Any = _MISSING, default_factory: Any = _MISSING,
                 repr: bool = True, compare: bool = True) -> None:  # noqa: A002
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("a field has a default or a default_factory, not both")
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(*, default: Any = _MISSING, default_factory: Any = _MISSING, repr: bool = True,  # noqa: A002
          compare: bool = True) -> Any:
    """A field's default (`default`, or `default_factory()` made for each instance)
    and whether `repr` shows it and `==`/`hash` use it, as dataclasses.field."""
    return Field(default, default_factory, repr, compare)


def _is_class_var(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "_name", "")
    return isinstance(text, str) and text.startswith(("ClassVar", "typing.ClassVar"))


def _check_order(cls: type, specs: dict[str, Field]) -> None:
    """Refuse a field without a default after one with a default, as Python would."""
    after_default = None
    for name, spec in specs.items():
        if spec.default is not _MISSING or spec.default_factory is not _MISSING:
            after_default = name
        elif after_default is not None:
            raise TypeError(f"{cls.__qualname__}: field {name!r} without a default follows "
                            f"{after_default!r}, which has one")


def _make_init(cls: type, specs: dict[str, Field]) -> Any:
    """Compile `cls.__init__` for its fields: positional or keyword, in order."""
    env: dict[str, Any] = {"_set": object.__setattr__, "_MISSING": _MISSING}
    params, lines = [], []
    for name, spec in specs.items():
        if spec.default is not _MISSING:
            env[f"_d_{name}"] = spec.default
            params.append(f"{name}=_d_{name}")
        elif spec.default_factory is not _MISSING:
            env[f"_f_{name}"] = spec.default_factory
            params.append(f"{name}=_MISSING")
            lines.append(f"    if {name} is _MISSING: {name} = _f_{name}()")
        else:
            params.append(name)
        lines.append(f"    _set(self, {name!r}, {name})")
    if hasattr(cls, "__post_init__"):
        lines.append("    self.__post_init__()")
    body = "\n".join(lines or ["    pass"])
    source = f"def __init__(self, {', '.join(params)}) -> None:\n{body}"
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), env)
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _deferred_init(cls: type) -> Any:
    """A stand-in `__init__` that compiles the real one at the class's first instance
    and puts it in its place: most classes of a module (the syntax tree's 27 nodes, the
    other commands' results) are never made in a given process."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        _compiled_init(cls)(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.deferred = True  # type: ignore[attr-defined]
    return __init__


def _compiled_init(cls: type) -> Any:
    """`cls.__init__`, compiled now and put in place if it was still deferred."""
    init = cls.__dict__["__init__"]
    if getattr(init, "deferred", False):
        init = _make_init(cls, cls.__record_fields__)  # type: ignore[attr-defined]
        cls.__init__ = init  # type: ignore[misc]
    return init


@dataclass_transform(field_specifiers=(field, Field), frozen_default=True)
class _RecordType(type):
    """Makes each Record class: its slots, its fields and its compiled `__init__`."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any],
                *, frozen: bool = True, eq: bool = True, **kwargs: Any) -> _RecordType:
        specs: dict[str, Field] = {}
        for base in reversed(bases):
            specs.update(getattr(base, "__record_fields__", {}))
        own = []
        for field_name, annotation in namespace.get("__annotations__", {}).items():
            if _is_class_var(annotation):
                continue
            value = namespace.pop(field_name, _MISSING)
            specs[field_name] = value if isinstance(value, Field) else Field(default=value)
            own.append(field_name)
        namespace.setdefault("__slots__", tuple(own))
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        cls.__record_fields__ = specs  # type: ignore[attr-defined]
        cls.__record_compared__ = tuple(  # type: ignore[attr-defined]
            name for name, spec in specs.items() if spec.compare)
        _check_order(cls, specs)
        if "__init__" not in namespace:
            cls.__init__ = _deferred_init(cls)  # type: ignore[misc]
        if "__match_args__" not in namespace:
            cls.__match_args__ = tuple(specs)  # type: ignore[attr-defined]
        if not frozen:
            cls.__setattr__ = object.__setattr__  # type: ignore[assignment]
            cls.__delattr__ = object.__delattr__  # type: ignore[assignment]
        if not eq:
            cls.__eq__ = object.__eq__  # type: ignore[assignment]
            cls.__hash__ = object.__hash__  # type: ignore[assignment]
        elif not frozen:
            cls.__hash__ = None  # type: ignore[assignment]  # mutable and equal by value
        return cls

    @property
    def __signature__(cls) -> Any:
        """The class's signature for inspect.signature and help(): its `__init__`'s
        without `self` (compiled now if no instance was made yet)."""
        import inspect

        init = _compiled_init(cls) if "__init__" in cls.__dict__ else cls.__init__  # type: ignore[misc]
        signature = inspect.signature(init)
        return signature.replace(parameters=list(signature.parameters.values())[1:])


class Record(metaclass=_RecordType):
    """Base of adcli's value classes; see the module docstring."""

    __record_fields__: ClassVar[dict[str, Field]]
    __record_compared__: ClassVar[tuple[str, ...]]

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self.__record_compared__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}"
                          for name, spec in self.__record_fields__.items() if spec.repr)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r} of a "
                                  f"{type(self).__qualname__}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r} of a "
                                  f"{type(self).__qualname__}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), tuple([getattr(self, name) for name in self.__record_fields__]))


def fields(record: Record | type[Record]) -> tuple[str, ...]:
    """The names of a record's (or record class's) fields, in order."""
    return tuple(record.__record_fields__)


def replace(record: Any, /, **changes: Any) -> Any:
    """A copy of `record` with `changes` to its fields (through its `__init__`, so its
    `__post_init__` checks run again). Raises TypeError for a name that is not a field."""
    specs = record.__record_fields__
    unknown = set(changes) - set(specs)
    if unknown:
        raise TypeError(f"{type(record).__qualname__} has no field {sorted(unknown)[0]!r}")
    return type(record)(**{name: changes[name] if name in changes else getattr(record, name)
                           for name in specs})
