"""The grammar ships inside the wheel: an installed (non-editable) adcli parses from
another directory, and the parser cache falls back gracefully."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
from adcli.lang import parser, run
path = parser.grammar_path()
assert str(path).startswith(sys.argv[1]), path
print(float(run("x*x*x", {"x": 2.0}).value), path.name)
"""


def test_installed_wheel_parses_from_another_directory(tmp_path: Path) -> None:
    # hatchling is in the test extra, so the wheel is built without network access.
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("adcli-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "adcli/grammars/adcli.lark" in archive.namelist()
    # A real, non-editable pip install of the wheel into its own directory.
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=120,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "ADCLI_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", CHECK, str(site)], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["8.0", "adcli.lark"]


def test_parser_works_when_the_cache_directory_is_unwritable(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    env = {**os.environ, "ADCLI_CACHE_DIR": str(blocked / "sub"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", "from adcli.lang import parse; print(parse('x + 1').body[0])"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ExprStmt(")


def test_parser_rebuilds_from_a_corrupt_cache_file(tmp_path: Path) -> None:
    env = {**os.environ, "ADCLI_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    script = "from adcli.lang import parse; print(len(parse('y = 2').body))"
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                           text=True, timeout=120)
    assert first.stdout.strip() == "1", first.stderr
    (cached,) = tmp_path.glob("parser-*.pickle")
    cached.write_bytes(b"garbage")
    second = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=120)
    assert second.stdout.strip() == "1", second.stderr
