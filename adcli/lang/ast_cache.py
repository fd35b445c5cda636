"""A cross-process cache of parsed programs, so that repeated calls skip lark entirely.

One responsibility: remember the AST of each program text that parsed cleanly.
Shell scripts call adcli with the same program at many points, one process per
call; loading a stored AST costs well under a millisecond, while importing lark
and parsing costs about 30 ms, a sixth of a whole call. A tree is stored with
`marshal` (built into the interpreter) as nested lists `[class name, *fields]`:
pickle's modules alone would cost 2 ms of every call. Only successful parses are
stored (errors always come from the real parser, with their messages). An entry
is valid only for the same program text, nesting limit, adcli version, grammar,
and AST and record files (their size and modification time are part of the key), and the
text is compared on load, so a hash collision can never return the wrong tree.
The directory is bounded: past `MAX_ENTRIES` files the oldest are removed.

It also says where the grammar and the caches live (`grammar_file`,
`cache_directory`), so that finding them never imports lark. Paths are plain
strings handled with os.path: pathlib (with the urllib and ipaddress modules it
imports) would add 3.5 ms to every call. Imports the standard library, and
adcli.lang.ast and adcli.errors to rebuild a tree.
"""

from __future__ import annotations

import marshal
import os
import zlib
from typing import Any

from adcli.errors import Span
from adcli.lang import ast
from adcli.records import Record, fields

MAX_ENTRIES = 512
_HERE = os.path.dirname(os.path.realpath(__file__))
GRAMMAR_CANDIDATES = (
    os.path.join(os.path.dirname(_HERE), "grammars", "adcli.lark"),  # installed wheel
    os.path.join(os.path.dirname(os.path.dirname(_HERE)), "grammars", "adcli.lark"),  # checkout
)


def grammar_file() -> str:
    """The grammar file this process uses: the packaged copy, else the checkout's."""
    for candidate in GRAMMAR_CANDIDATES:
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(
        "adcli's grammar is missing: looked for "
        + " and ".join(str(c) for c in GRAMMAR_CANDIDATES)
    )


def cache_directory() -> str | None:
    """Where parsers and parsed programs are cached, or None if caching is switched off."""
    explicit = os.environ.get("ADCLI_CACHE_DIR")
    if explicit is not None:
        return explicit or None  # ADCLI_CACHE_DIR="" switches it off
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "adcli")


def _stamp(path: str) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return "-"
    return f"{info.st_size}.{info.st_mtime_ns}"


def _version_key(grammar: str) -> str:
    from adcli import __version__

    return "|".join((__version__, _stamp(grammar), _stamp(os.path.join(_HERE, "ast.py")),
                     _stamp(os.path.join(os.path.dirname(_HERE), "records.py"))))


def _entry(directory: str | os.PathLike, source: str, max_nesting: int) -> str:
    digest = zlib.crc32(source.encode("utf-8", "surrogatepass"))
    return os.path.join(directory, f"ast-{digest:08x}-{len(source)}-{max_nesting}.marshal")


def _encode(node: Any) -> Any:
    """A tree as marshal's values: a node (or span) is `[class name, *fields]`."""
    if isinstance(node, tuple):
        return tuple([_encode(item) for item in node])
    if isinstance(node, Record):
        return [type(node).__name__, *[_encode(getattr(node, name)) for name in fields(node)]]
    return node  # str, float, int, bool or None


def _decode(value: Any) -> Any:
    """The tree `_encode` stored; a name that is not a node class is a KeyError."""
    if type(value) is list:
        name = value[0]
        node_class = Span if name == "Span" else ast.NODE_CLASSES[name]
        return node_class(*[_decode(item) for item in value[1:]])
    if type(value) is tuple:
        return tuple([_decode(item) for item in value])
    return value


def load(directory: str | os.PathLike | None, grammar: str, source: str,
         max_nesting: int) -> Any | None:
    """The cached Program for `source`, or None."""
    if directory is None:
        return None
    try:
        with open(_entry(directory, source, max_nesting), "rb") as handle:
            key, cached_source, tree = marshal.load(handle)
        if key != _version_key(grammar) or cached_source != source:
            return None
        return _decode(tree)
    except Exception:  # noqa: BLE001 - a missing or unreadable entry is a miss
        return None


def store(directory: str | os.PathLike | None, grammar: str, source: str, max_nesting: int,
          program: Any) -> None:
    """Remember a successful parse; failures to write are ignored (it is only a cache)."""
    if directory is None:
        return
    try:
        # marshal refuses a tree nested more than about 2,000 deep (ValueError): such
        # a program is parsed every time.
        data = marshal.dumps((_version_key(grammar), source, _encode(program)))
        os.makedirs(directory, exist_ok=True)
        path = _entry(directory, source, max_nesting)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        _trim(directory)
    except (OSError, ValueError, RecursionError):
        return


def _modified(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _trim(directory: str | os.PathLike) -> None:
    names = [name for name in os.listdir(directory) if name.startswith("ast-")]
    # Entries pickled by earlier versions of adcli are never read again.
    stale = [os.path.join(directory, name) for name in names if name.endswith(".pickle")]
    entries = [os.path.join(directory, name) for name in names if name.endswith(".marshal")]
    if len(entries) > MAX_ENTRIES:
        entries.sort(key=_modified)
        stale += entries[: len(entries) - MAX_ENTRIES * 3 // 4]
    for path in stale:
        try:
            os.unlink(path)
        except OSError:
            pass
