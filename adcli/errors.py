"""Errors every layer of adcli raises, and their rendering with a caret under the source.

One responsibility: the error vocabulary. Every failure a user can cause is an
`AdcliError` with a `kind` (syntax, name, type, shape, value, limit, usage) and,
where the failure has a place in a program, a `Span`. An error carries fields as
well as words, so that no caller reads a message to decide anything:

- `parameter`: the library parameter it is about (`at`, `let`, `wrt`, `order`,
  `engine`, `precision`, `direction`, `unconnected`, `of`), and `name`: the input
  or variable it is about;
- `limit`: the `Limits` field a limit error ran into;
- `settings`: what the user may change to fix it, as `Setting`s (a parameter and a
  value, or a limit to raise), rendered by each face in its own words.

Messages and hints speak the library's words only. `render(phrasing)` turns an
error into the text a face prints: the message, `line:column`, the source line, a
caret under the span, and the hint with each setting phrased by `phrasing` (the
CLI says `--dir x=1` and `adcli --max-depth N` where Python says `direction=...`
and `Limits(max_call_depth=N)`). Imports only adcli.records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adcli.records import Record, field


class Setting(Record):
    """One thing a user can set to fix an error: a parameter with a value (`name`, when
    given, is the input or constant it assigns: at y=VALUE), or a limit to raise
    (`limit=True`, `parameter` a `Limits` field). `note` says what it means."""

    parameter: str
    value: str = "VALUE"
    name: str | None = None
    note: str | None = None
    limit: bool = False


class Phrasing(Record):
    """How a face names settings. The default is Python's: `engine='tape'`,
    `at={'y': VALUE}`, `Limits(max_call_depth=N)`. A face maps parameters to its own
    words (`options`: "direction" -> "--dir") and limits to how it raises them."""

    options: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, str] = field(default_factory=dict)

    def setting(self, setting: Setting) -> str:
        if setting.limit:
            text = self.limits.get(setting.parameter) or f"Limits({setting.parameter}=N)"
        elif setting.parameter in self.options:
            value = setting.value if setting.name is None else f"{setting.name}={setting.value}"
            text = f"{self.options[setting.parameter]} {value}"
        elif setting.name is not None:
            text = f"{setting.parameter}={{{setting.name!r}: {_literal(setting.value)}}}"
        else:
            text = f"{setting.parameter}={_literal(setting.value)}"
        return text + (f" ({setting.note})" if setting.note else "")

    def parameter(self, parameter: str) -> str:
        """The face's name for a parameter (an option such as --dir, or the parameter)."""
        return self.options.get(parameter, parameter)


PYTHON = Phrasing()


def _literal(value: str) -> str:
    """A setting's value in Python: a placeholder (VALUE, N) as it is, a word quoted."""
    return value if value.isupper() or not value.isidentifier() else repr(value)


class Span(Record):
    """A region of source text: 1-based line and column of the start, 0-based offsets."""

    line: int
    column: int
    start: int
    end: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


class AdcliError(Exception):
    """Base of every error adcli reports to a user; the CLI's exit code follows `exit_code`."""

    kind = "error"
    exit_code = 1

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        source: str | None = None,
        hint: str | None = None,
        *,
        parameter: str | None = None,
        name: str | None = None,
        limit: str | None = None,
        settings: tuple[Setting, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source
        self.hint = hint
        self.parameter = parameter
        self.name = name
        self.limit = limit
        self.settings = settings

    def with_source(self, source: str | None) -> AdcliError:
        """Attach the program text, so that `render` can show the offending line."""
        if self.source is None:
            self.source = source
        return self

    def with_span(self, span: Span | None) -> AdcliError:
        """Give the error a position if it has none yet (the innermost position wins)."""
        if self.span is None:
            self.span = span
        return self

    def __str__(self) -> str:
        return self.render()

    def render(self, phrasing: Phrasing = PYTHON) -> str:
        """The full text for a person: `kind error at line:col: message`, the line, a
        caret, and the hint with its settings in `phrasing`'s words."""
        where = f" at {self.span}" if self.span is not None else ""
        lines = [f"{self.kind} error{where}: {self.message}"]
        if self.span is not None and self.source is not None:
            lines.extend(source_excerpt(self.source, self.span))
        hint = self.full_hint(phrasing)
        if hint:
            lines.append(f"hint: {hint}")
        return "\n".join(lines)

    def full_hint(self, phrasing: Phrasing = PYTHON) -> str:
        """The hint's words followed by its settings, joined by "or"."""
        settings = " or ".join(phrasing.setting(s) for s in self.settings)
        if self.hint and settings:
            return f"{self.hint} {settings}" if self.hint.endswith(("with", "use")) \
                else f"{self.hint}: {settings}"
        return self.hint or settings


# The most characters of a source line an excerpt shows; a longer line is cut to a
# window around the error, marked with "..." where it was cut.
EXCERPT_WIDTH = 100


def source_excerpt(source: str, span: Span) -> list[str]:
    """The source line of `span` and a line of carets under it, indented by two spaces.
    A line longer than EXCERPT_WIDTH is shown as a window of it around the span."""
    source_lines = source.splitlines() or [""]
    index = min(max(span.line - 1, 0), len(source_lines) - 1)
    text = source_lines[index].expandtabs(1)
    start = max(span.column - 1, 0)
    if span.end_line is not None and span.end_line == span.line and span.end_column:
        width = max(span.end_column - span.column, 1)
    elif span.end_line is None and span.end > span.start:
        width = span.end - span.start
    else:
        width = 1
    width = max(1, min(width, max(len(text) - start, 1)))
    if len(text) > EXCERPT_WIDTH:
        first = max(0, min(start - EXCERPT_WIDTH // 4, len(text) - EXCERPT_WIDTH))
        last = first + EXCERPT_WIDTH
        head, tail = ("..." if first else ""), ("..." if last < len(text) else "")
        text = head + text[first:last] + tail
        start = start - first + len(head)
        width = max(1, min(width, len(head) + EXCERPT_WIDTH - start))
    return [f"  {text}", "  " + " " * start + "^" * width]


class AdcliSyntaxError(AdcliError):
    """The text is not a valid program (exit code 2, like any usage error)."""

    kind = "syntax"
    exit_code = 2


class AdcliNameError(AdcliError):
    """An unknown variable or function. `unknown` is the variable that has no value,
    when that is the error (a caller may have forgotten to give it as an input)."""

    kind = "name"

    def __init__(self, message: str, span: Span | None = None, source: str | None = None,
                 hint: str | None = None, unknown: str | None = None, **fields: Any) -> None:
        super().__init__(message, span, source, hint, **fields)
        self.unknown = unknown


class AdcliTypeError(AdcliError):
    """A wrong argument count or kind of value."""

    kind = "type"


class AdcliShapeError(AdcliError):
    """Tensor shapes that do not fit together; the message names both."""

    kind = "shape"


class AdcliValueError(AdcliError):
    """A value outside what an operation accepts (a non-integer range bound, ...)."""

    kind = "value"


class AdcliLimitError(AdcliError):
    """A program ran into one of the configured limits (loop steps, depth, size)."""

    kind = "limit"


class AdcliUsageError(AdcliError):
    """A malformed command-line option or API argument (exit code 2)."""

    kind = "usage"
    exit_code = 2


class AdcliCallerNameError(AdcliNameError, AdcliUsageError):
    """A name the caller gave (the result variable `of`) that the program does not have:
    a name error in the request, not in the program, so a usage error (exit code 2)."""

    kind = "usage"
    exit_code = 2
