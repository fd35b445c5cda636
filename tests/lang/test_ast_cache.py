"""Parsed programs are cached across processes, so a repeated call skips lark."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from adcli.lang import ast_cache, parse
from adcli.lang.ast import dump


def _run(code: str, cache: Path) -> str:
    env = dict(os.environ, ADCLI_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


PROBE = (
    "import sys; from adcli.lang import parse; p = parse('y = x * x\\nz = y + 1');"
    "print(type(p).__name__, 'lark' in sys.modules)"
)


def test_second_process_parses_from_the_cache_without_importing_lark(tmp_path: Path) -> None:
    assert _run(PROBE, tmp_path) == "Program True"
    assert _run(PROBE, tmp_path) == "Program False"


def test_cached_tree_equals_a_fresh_parse(tmp_path: Path) -> None:
    source = "def f(a, b=2):\n    return a ^ b\nf(3)\n"
    tree = parse(source)
    grammar = ast_cache.grammar_file()
    ast_cache.store(tmp_path, grammar, source, 100, tree)
    assert dump(ast_cache.load(tmp_path, grammar, source, 100)) == dump(tree)
    # Another nesting limit or another text is a miss, never a wrong tree.
    assert ast_cache.load(tmp_path, grammar, source, 50) is None
    assert ast_cache.load(tmp_path, grammar, source + " ", 100) is None


def test_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    source = "x + 1"
    grammar = ast_cache.grammar_file()
    ast_cache.store(tmp_path, grammar, source, 100, parse(source))
    for entry in tmp_path.glob("ast-*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert ast_cache.load(tmp_path, grammar, source, 100) is None


def test_cache_directory_stays_bounded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ast_cache, "MAX_ENTRIES", 8)
    grammar = ast_cache.grammar_file()
    for k in range(20):
        source = f"x + {k}"
        ast_cache.store(tmp_path, grammar, source, 100, parse(source))
    assert len(list(tmp_path.glob("ast-*.pickle"))) <= 8


def test_syntax_errors_are_never_cached(tmp_path: Path) -> None:
    env_code = ("from adcli.lang import parse\ntry:\n    parse('x +')\n"
                "except Exception as e:\n    print(type(e).__name__)")
    assert _run(env_code, tmp_path) == "AdcliSyntaxError"
    assert not list(tmp_path.glob("ast-*.pickle"))
