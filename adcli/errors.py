"""Errors every layer of adcli raises, and their rendering with a caret under the source.

One responsibility: the error vocabulary. Every failure a user can cause is an
`AdcliError` with a `kind` (syntax, name, type, shape, value, limit) and, where the
failure has a place in a program, a `Span`. `render()` turns it into the text the
CLI and the REPL print: the message, `line:column`, the source line and a caret or
underline under the span. Imports nothing from adcli.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source
        self.hint = hint

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

    def render(self) -> str:
        """The full text for a person: `kind error at line:col: message`, the line, a caret."""
        where = f" at {self.span}" if self.span is not None else ""
        lines = [f"{self.kind} error{where}: {self.message}"]
        if self.span is not None and self.source is not None:
            lines.extend(source_excerpt(self.source, self.span))
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


def source_excerpt(source: str, span: Span) -> list[str]:
    """The source line of `span` and a line of carets under it, indented by two spaces."""
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
                 hint: str | None = None, unknown: str | None = None) -> None:
        super().__init__(message, span, source, hint)
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
