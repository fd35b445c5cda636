"""A cross-process cache of parsed programs, so that repeated calls skip lark entirely.

One responsibility: remember the AST of each program text that parsed cleanly.
Shell scripts call adcli with the same program at many points, one process per
call; loading a pickled AST costs well under a millisecond, while importing lark
and parsing costs about 30 ms, a sixth of a whole call. Only successful parses are
stored (errors always come from the real parser, with their messages). An entry
is valid only for the same program text, nesting limit, adcli version and grammar
and AST files (their size and modification time are part of the key), and the
text is compared on load, so a hash collision can never return the wrong tree.
The directory is bounded: past `MAX_ENTRIES` files the oldest are removed.

It also says where the grammar and the caches live (`grammar_file`,
`cache_directory`), so that finding them never imports lark. Paths are plain
strings handled with os.path: pathlib (with the urllib and ipaddress modules it
imports) would add 3.5 ms to every call. Imports only the standard library.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

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

    return "|".join((__version__, _stamp(grammar), _stamp(os.path.join(_HERE, "ast.py"))))


def _entry(directory: str | os.PathLike, source: str, max_nesting: int) -> str:
    digest = zlib.crc32(source.encode("utf-8", "surrogatepass"))
    return os.path.join(directory, f"ast-{digest:08x}-{len(source)}-{max_nesting}.pickle")


def load(directory: str | os.PathLike | None, grammar: str, source: str,
         max_nesting: int) -> Any | None:
    """The cached Program for `source`, or None."""
    if directory is None:
        return None
    import pickle  # here: with caching off, pickle is never loaded

    try:
        with open(_entry(directory, source, max_nesting), "rb") as handle:
            key, cached_source, program = pickle.load(handle)
    except Exception:  # noqa: BLE001 - a missing or unreadable entry is a miss
        return None
    if key != _version_key(grammar) or cached_source != source:
        return None
    return program


def store(directory: str | os.PathLike | None, grammar: str, source: str, max_nesting: int,
          program: Any) -> None:
    """Remember a successful parse; failures to write are ignored (it is only a cache)."""
    if directory is None:
        return
    import pickle

    try:
        os.makedirs(directory, exist_ok=True)
        path = _entry(directory, source, max_nesting)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            pickle.dump((_version_key(grammar), source, program), handle,
                        protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        _trim(directory)
    except (OSError, pickle.PicklingError, RecursionError):
        return


def _modified(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _trim(directory: str | os.PathLike) -> None:
    entries = [os.path.join(directory, name) for name in os.listdir(directory)
               if name.startswith("ast-") and name.endswith(".pickle")]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=_modified)
    for stale in entries[: len(entries) - MAX_ENTRIES * 3 // 4]:
        try:
            os.unlink(stale)
        except OSError:
            pass
