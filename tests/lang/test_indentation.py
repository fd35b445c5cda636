"""Indentation as Python reads it: tabs alone or spaces alone work, and a block whose
lines compare one way when a tab is 8 columns and another when it is 1 is an error that
names the line and its tab (Python's TabError), never a line run in the wrong block."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli
from adcli.errors import AdcliSyntaxError
from adcli.lang import parse


@pytest.mark.parametrize("indent", ["\t", "    ", "  ", "\t  "])
def test_a_block_indented_one_way_throughout_runs(indent):
    source = f"y = 0\nif x > 0:\n{indent}y = x\n{indent}y = y * 2\ny"
    assert float(api.evaluate(source, {"x": 1.5}).value) == 3.0


@pytest.mark.parametrize("source,line,words", [
    ("if x > 0:\n        y = 1\n\ty = 2\ny", 3, "line 3 is indented with a tab and line 2 "
                                                 "with 8 spaces"),
    ("for i in range(2):\n    y = 1\n\tz = 2\nz", 3, "line 3 is indented with a tab and "
                                                     "line 2 with 4 spaces"),
    ("if 1:\n\t  y = 1\n  \t  y = 2\ny", 3, "line 3 is indented with a tab and 4 spaces and "
                                           "line 2 with a tab and 2 spaces"),
])
def test_mixing_tabs_and_spaces_ambiguously_names_the_line_and_the_tab(source, line, words):
    with pytest.raises(AdcliSyntaxError) as caught:
        parse(source)
    assert words in caught.value.message
    assert caught.value.span.line == line
    assert "spaces only" in caught.value.hint


def test_eight_spaces_no_longer_silently_equal_a_tab():
    # Before, the tab line ran inside the 'if' at 8 columns; now it is refused.
    source = "y = 0\nif x > 5:\n        y = 1\n\ty = y + 10\ny"
    with pytest.raises(AdcliSyntaxError):
        parse(source)


def test_the_cli_reports_mixed_indentation_as_a_syntax_error_with_exit_code_2():
    result = CliRunner().invoke(cli, ["eval", "if x > 0:\n    y = 1\n\ty = 2\ny", "--let", "x=1"])
    assert result.exit_code == 2
    assert "inconsistent use of tabs and spaces" in result.output
    assert "Traceback" not in result.output
