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
    for entry in tmp_path.glob("ast-*.marshal"):
        entry.write_bytes(b"not a tree")
    assert ast_cache.load(tmp_path, grammar, source, 100) is None


def test_cache_directory_stays_bounded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ast_cache, "MAX_ENTRIES", 8)
    grammar = ast_cache.grammar_file()
    for k in range(20):
        source = f"x + {k}"
        ast_cache.store(tmp_path, grammar, source, 100, parse(source))
    assert len(list(tmp_path.glob("ast-*.marshal"))) <= 8


def test_syntax_errors_are_never_cached(tmp_path: Path) -> None:
    env_code = ("from adcli.lang import parse\ntry:\n    parse('x +')\n"
                "except Exception as e:\n    print(type(e).__name__)")
    assert _run(env_code, tmp_path) == "AdcliSyntaxError"
    assert not list(tmp_path.glob("ast-*.marshal"))


def test_entries_of_the_pickle_format_are_removed_when_the_cache_is_written(tmp_path: Path):
    old = tmp_path / "ast-0000abcd-5-100.pickle"
    old.write_bytes(b"an entry of adcli 0.1")
    ast_cache.store(tmp_path, ast_cache.grammar_file(), "x + 1", 100, parse("x + 1"))
    assert not old.exists()
    assert len(list(tmp_path.glob("ast-*.marshal"))) == 1


def test_an_entry_naming_a_class_that_is_not_a_node_is_a_miss(tmp_path: Path) -> None:
    import marshal

    source = "x + 1"
    grammar = ast_cache.grammar_file()
    ast_cache.store(tmp_path, grammar, source, 100, parse(source))
    (entry,) = tmp_path.glob("ast-*.marshal")
    key, text, tree = marshal.loads(entry.read_bytes())
    entry.write_bytes(marshal.dumps((key, text, ["Limits", 1])))
    assert ast_cache.load(tmp_path, grammar, source, 100) is None


def test_a_program_too_deep_to_store_is_parsed_every_time(tmp_path: Path) -> None:
    source = "(" * 90 + "x" + ")" * 90 + " + 1" + " + x" * 3000
    grammar = ast_cache.grammar_file()
    tree = parse(source)
    ast_cache.store(tmp_path, grammar, source, 100, tree)
    assert not list(tmp_path.glob("ast-*.marshal"))
    assert ast_cache.load(tmp_path, grammar, source, 100) is None


def test_the_headline_loads_its_tree_without_pickle(tmp_path: Path) -> None:
    probe = ("import sys; from adcli.lang import parse; p = parse('x*x*x');"
             "print('lark' in sys.modules, 'pickle' in sys.modules)")
    assert _run(probe, tmp_path).startswith("True")  # the first call parses and stores
    assert _run(probe, tmp_path) == "False False"
