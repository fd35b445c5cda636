"""QA: `--points` files as people make them (spreadsheets, hand edits) and their errors."""

from __future__ import annotations

from click.testing import CliRunner

from adcli.cli.main import cli


def run(points: str, *args: str):
    return CliRunner().invoke(cli, ["grad", "x*y", "--points", "-", "--format", "csv", *args],
                              input=points, env={"COLUMNS": "100", "NO_COLOR": "1"})


def test_a_utf8_byte_order_mark_before_the_header_is_ignored():
    # Spreadsheets save "CSV UTF-8" with a byte order mark.
    result = run("\ufeffx,y\n1,2\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "x,y,f,df/dx,df/dy\n1,2,2.0,2.0,1.0\n"


def test_a_missing_value_names_the_file_line_and_shows_it():
    result = run("x,y\n1,2\n3,\n")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--points: line 3: '3,' has an empty value in column 2 (y)" in result.stderr
    assert "usecols" not in result.stderr and "row 0" not in result.stderr


def test_a_row_with_too_many_values_names_its_line():
    result = run("x,y\n1,2,5\n3,4\n")
    assert result.exit_code == 2
    assert "--points: line 2: '1,2,5' has 3 values, but the header names 2 (x,y)" in result.stderr
    assert "usecols" not in result.stderr


def test_text_that_is_not_a_number_names_its_line_and_column():
    result = run("x,y\n1,2\n\n3,abc\n")
    assert result.exit_code == 2
    assert "--points: line 4: '3,abc': 'abc' in column 2 (y) is not a number" in result.stderr


def test_line_numbers_count_blank_lines_and_earlier_chunks(monkeypatch):
    from adcli.cli import inputs

    monkeypatch.setattr(inputs, "CHUNK_ROWS", 2)
    result = run("x,y\n1,2\n\n3,4\n5,6\n7,oops\n")
    assert result.exit_code == 2
    assert "--points: line 6: '7,oops': 'oops' in column 2 (y) is not a number" in result.stderr
