"""`adcli repl`: an interactive session in the terminal, or a script read from a pipe.

One responsibility: terminal I/O around `adcli.lang.session.Session`. Lines are
grouped into inputs (a line ending with `:` opens a block that a blank line
closes, as in Python), `:commands` are dispatched, values are printed with rich
(cli.tables) or as JSON/plain text (cli.render), and errors are printed with
their caret while the session goes on. On a terminal, prompt_toolkit gives line
editing, a history file and tab completion; it is imported here only, so the
other commands never pay for it. Off a terminal, statements are read without
prompts or colour and the exit code is 1 if any input failed.

Imports adcli.api, adcli.lang.session, adcli.lang.builtins, adcli.cli.tables and
adcli.cli.render (and rich, and prompt_toolkit when interactive).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from rich.text import Text

from adcli import api
from adcli.cli import render, tables
from adcli.cli.words import render as render_error
from adcli.engine.lazy_numpy import np
from adcli.engine.tensor import Tensor
from adcli.errors import AdcliError, AdcliUsageError
from adcli.lang import builtins as B
from adcli.lang.interpreter import Limits, default_limits
from adcli.lang.session import Session
from adcli.lang.time_limit import time_limit
from adcli.records import replace

FORMATS = ("table", "json", "plain")
PROMPT = ">>> "
CONTINUATION = "... "

COMMANDS: dict[str, str] = {
    ":help": "show this help",
    ":vars": "list the variables: name, shape, value (and the functions)",
    ":tape": "show the operations the last input recorded, with adjoints",
    ":grad": ":grad EXPR wrt x[,y] [order N]  the value of EXPR and its derivatives",
    ":diff": ":diff EXPR wrt x[,y] [order N]  the derivatives of EXPR as formulas",
    ":format": ":format table|json|plain  how values are printed",
    ":load": ":load FILE  run a program file in the session",
    ":reset": "forget every variable, function and recorded operation",
    ":quit": "leave (so does Ctrl-D)",
}

HELP = """\
Type statements and expressions of the adcli language; an expression's value is printed
(type x, not print(x)). A number assigned is a variable to differentiate (x = 3.0, not
tf.Variable(3.0), which is the Python API's: import adcli as tf, in a Python program).
Variables, functions and the gradient tape persist, so a later line can differentiate
with respect to an earlier variable:  x = ones(2, 2); y = sum(x); z = y * y; grad(z, x)
A line ending with ':' opens a block (def, for, if, while); a blank line closes it.
Ctrl-C cancels the input or a running computation; Ctrl-D or :quit leaves.

Commands:
""" + "\n".join(f"  {name:<8} {text}" for name, text in COMMANDS.items())

_GRAD = re.compile(
    r"^(?P<expr>.+?)\s+wrt\s+(?P<names>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)"
    r"(?:\s+order\s+(?P<order>\d+))?\s*$"
)
_BLOCK_CONTINUES = ("else", "elif")


def _request(command: str, rest: str, example: str) -> tuple[str, list[str], int]:
    """`EXPR wrt x[,y] [order N]` after :grad or :diff: the expression, the names, the
    order (1 unless given)."""
    match = _GRAD.match(rest)
    if match is None:
        raise AdcliUsageError(f"{command} needs an expression and the variables: "
                              f"{command} EXPR wrt x[,y] [order N]",
                              hint=f"for example  {command} {example}")
    names = [n.strip() for n in match.group("names").split(",")]
    return match.group("expr"), names, int(match.group("order") or 1)


def history_path() -> Path:
    """`$XDG_DATA_HOME/adcli/history`, else `~/.local/share/adcli/history`."""
    data = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec says to ignore a relative path.
    base = Path(data) if data and os.path.isabs(data) else Path.home() / ".local" / "share"
    return base / "adcli" / "history"


# ---- grouping lines into inputs ----------------------------------------------------


def _code(line: str) -> str:
    return line.split("#", 1)[0].rstrip()


def _open_brackets(text: str) -> int:
    depth = 0
    for line in text.splitlines():
        code = _code(line)
        depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
    return depth


class LineGrouper:
    """Lines in, complete inputs out: a statement, a `:command`, or a whole block.

    A block opens with a line ending in `:` and closes with a blank line, or with
    a line back at the left margin that is not `else`/`elif` (so a piped file
    needs no blank line after each block). An open bracket continues the input.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    @property
    def pending(self) -> bool:
        return bool(self.lines)

    def clear(self) -> None:
        self.lines = []

    def feed(self, line: str) -> list[str]:
        """The inputs that `line` completes (none, one, or two)."""
        line = line.rstrip("\r\n")
        if not self.lines:
            return self._start(line)
        text = "\n".join(self.lines)
        if _open_brackets(text) > 0:
            self.lines.append(line)
            return self._maybe_done()
        if not line.strip():
            return [self._take()]
        starts_at_margin = not line[:1].isspace()
        first_word = re.match(r"\w*", line.strip()).group(0)  # type: ignore[union-attr]
        if starts_at_margin and first_word not in _BLOCK_CONTINUES:
            return [self._take()] + self._start(line)
        self.lines.append(line)
        return []

    def flush(self) -> list[str]:
        """What is left at the end of the input."""
        return [self._take()] if self.lines else []

    def _start(self, line: str) -> list[str]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            return []
        if stripped.startswith(":"):
            return [stripped]
        self.lines = [line]
        return self._maybe_done()

    def _maybe_done(self) -> list[str]:
        text = "\n".join(self.lines)
        if _open_brackets(text) > 0:
            return []
        if any(_code(line).endswith(":") for line in self.lines):
            return []  # a block: wait for the blank line
        return [self._take()]

    def _take(self) -> str:
        text = "\n".join(self.lines)
        self.lines = []
        return text


# ---- the REPL ---------------------------------------------------------------------


class Repl:
    """One session with its output settings; `handle(text)` runs one input."""

    def __init__(self, fmt: str = "table", digits: int = 12, limits: Limits | None = None,
                 out: TextIO | None = None, err: TextIO | None = None,
                 quiet: bool = False) -> None:
        self.session = Session(limits)
        self.fmt = fmt
        self.digits = digits
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.console = tables.console()
        self.failures = 0
        self.done = False
        self.quiet = quiet

    # -- output
    def error(self, message: str) -> None:
        self.failures += 1
        self.err.write(message.rstrip("\n") + "\n")
        self.err.flush()

    def warn(self, warnings: Iterable[str]) -> None:
        if not self.quiet:
            for warning in dict.fromkeys(warnings):
                self.err.write(f"warning: {warning}\n")

    def show(self, value: Any) -> None:
        array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
        if self.fmt == "json":
            self.out.write(json.dumps(render.json_value(array)) + "\n")
        elif self.fmt == "plain":
            self.out.write(render.plain_line(array) + "\n")
        elif array.ndim == 0:
            self.console.print(Text(tables.fmt(array[()], self.digits)))
        else:
            self.console.print(tables.cell(array, self.digits))
            self.console.print(Text(f"shape {array.shape}", style="dim"))
        self.out.flush()

    # -- inputs
    def handle(self, text: str) -> None:
        """Run one input (a statement, a block or a `:command`); report, never raise
        except KeyboardInterrupt, which leaves the session as it was. The time limit
        (Limits.time_seconds, adcli --time-limit) holds for each input."""
        try:
            with time_limit(self.session.limits.time_seconds, "running the input"):
                if text.startswith(":"):
                    self.command(text)
                    return
                self.statement(text)
        except AdcliError as error:
            self.error(render_error(python_habit_hint(error)))
        except Exception as error:
            # No input may end the session; but say that this failure is adcli's bug.
            self.error(f"internal error: {type(error).__name__}: {error}")

    def statement(self, text: str) -> None:
        step = self.session.run(text)
        self.warn(step.warnings)
        if step.has_value:
            self.show(step.value)

    def command(self, text: str) -> None:
        name, _, rest = text.partition(" ")
        rest = rest.strip()
        handlers: dict[str, Callable[[str], None]] = {
            ":help": self.cmd_help, ":vars": self.cmd_vars, ":tape": self.cmd_tape,
            ":grad": self.cmd_grad, ":diff": self.cmd_diff, ":format": self.cmd_format,
            ":load": self.cmd_load,
            ":reset": self.cmd_reset, ":quit": self.cmd_quit, ":exit": self.cmd_quit,
        }
        handler = handlers.get(name)
        if handler is None:
            close = [c for c in COMMANDS if c.startswith(name)] or list(COMMANDS)
            raise AdcliUsageError(f"unknown command '{name}'",
                                  hint=f"the commands: {', '.join(close)}")
        handler(rest)

    def cmd_help(self, rest: str) -> None:
        self.out.write(HELP + "\n")

    def cmd_quit(self, rest: str) -> None:
        self.done = True

    def cmd_reset(self, rest: str) -> None:
        self.session.reset()
        self.out.write("the session is empty\n")

    def cmd_format(self, rest: str) -> None:
        if not rest:
            self.out.write(f"values print as {self.fmt} (one of {', '.join(FORMATS)})\n")
            return
        if rest not in FORMATS:
            raise AdcliUsageError(f"the format is one of {', '.join(FORMATS)}, not '{rest}'")
        self.fmt = rest

    def cmd_load(self, rest: str) -> None:
        if not rest:
            # Rendered as "usage error: ...": the word usage once.
            raise AdcliUsageError(":load needs a file: :load FILE")
        try:
            text = Path(os.path.expanduser(rest)).read_text()
        except OSError as error:
            raise AdcliUsageError(f"cannot read {rest}: {error.strerror or error}") from None
        self.statement(text)

    def cmd_vars(self, rest: str) -> None:
        variables = self.session.variables
        functions = self.session.functions
        if self.fmt == "json":
            obj = {name: render.json_value(_array(v)) for name, v in variables.items()}
            self.out.write(json.dumps(obj) + "\n")
            return
        if self.fmt == "plain":
            for name, v in variables.items():
                self.out.write(f"{name} {render.plain_line(_array(v))}\n")
            return
        from rich import box
        from rich.table import Table

        table = Table(box=box.ROUNDED, title="variables", title_justify="left")
        table.add_column("name", style="cyan")
        table.add_column("shape")
        table.add_column("value", justify="right", overflow="fold")
        for name, v in variables.items():
            array = _array(v)
            table.add_row(name, str(array.shape), tables.cell(array, self.digits))
        for name, f in functions.items():
            table.add_row(name, "function", Text(f"{name}({', '.join(f.params)})"))
        if not variables and not functions:
            self.out.write("no variables yet\n")
            return
        self.console.print(table)

    def cmd_tape(self, rest: str) -> None:
        rows = api.session_tape_rows(self.session)
        last = self.session.last
        if not rows:
            what = "no input has run yet" if last is None else \
                "the last input recorded no operations on watched values"
            self.out.write(what + "\n")
            return
        if self.fmt == "table":
            title = " ".join(line.strip() for line in last.text.strip().splitlines())
            self.console.print(tables.tape_table(rows, title, self.digits))
            return
        if self.fmt == "json":
            objects = [{"index": r.index, "operation": r.operation, "inputs": list(r.inputs),
                        "value": render.json_value(r.value),
                        "adjoint": None if r.adjoint is None else render.json_value(r.adjoint),
                        "name": r.name} for r in rows]
            self.out.write(json.dumps(objects) + "\n")
            return
        for r in rows:
            self.out.write(f"{r.index} {r.operation} {' '.join(r.inputs) or '-'} "
                           f"{render.plain_line(r.value)} | "
                           f"{render.plain_line(r.adjoint)}\n")

    def cmd_grad(self, rest: str) -> None:
        expression, names, order = _request(":grad", rest, "z wrt x,y order 2")
        result = api.differentiate_session(self.session, expression, names, order)
        self.warn(result.warnings)
        if self.fmt == "table":
            batch = api.Batch.of([result])
            self.console.print(tables.results_table(batch, expression, self.digits,
                                                    partial=len(names) > 1))
        elif self.fmt == "json":
            obj = render.point_object(result)
            del obj["inputs"]  # a session has variables, not inputs
            self.out.write(json.dumps(obj) + "\n")
        else:
            self.out.write(render.plain_line(result.value) + "\n")
            for d in result.derivatives:
                self.out.write(render.plain_line(d.value) + "\n")

    def cmd_diff(self, rest: str) -> None:
        """The formula of EXPR's derivatives, as typed: the `wrt` names are symbols and
        the session's other variables constants with their values; a variable computed
        from a `wrt` name on an earlier line would hide that dependence, so it is an
        error that says to write it out (or use :grad, which follows the tape)."""
        expression, names, order = _request(":diff", rest, "x^2*sin(x) wrt x")
        variables = self.session.variables
        mentioned = {name for name in variables
                     if re.search(rf"\b{re.escape(name)}\b", expression)}
        for wrt in names:
            if wrt in variables and mentioned - {wrt}:
                for name in sorted(self.session.computed_from(wrt) & mentioned):
                    raise AdcliUsageError(
                        f"'{name}' was computed from '{wrt}' on an earlier line; :diff "
                        "differentiates the expression as typed",
                        hint=f"write out what '{name}' is, or use :grad {expression} "
                             f"wrt {','.join(names)} (which follows the tape)")
        let = {name: value for name, value in variables.items()
               if name not in names and re.search(rf"\b{re.escape(name)}\b", expression)}
        formulas = api.diff(expression, names, order, let=let, limits=self.session.limits)
        self.warn(formulas.warnings)
        if self.fmt == "json":
            self.out.write(json.dumps({f.label(): f.text for f in formulas.formulas}) + "\n")
            return
        if self.fmt == "plain" or len(formulas.formulas) == 1 and self.fmt != "table":
            self.out.write(formulas.text + "\n")
            return
        width = max(len(f.label(unicode=True, partial=formulas.partial))
                    for f in formulas.formulas)
        for f in formulas.formulas:
            label = f.label(unicode=True, partial=formulas.partial)
            self.out.write(f"{label:<{width}} = {f.text}\n")

    # -- the loops
    def run_lines(self, lines: Iterable[str]) -> int:
        """Piped mode: every input runs, even after a failure; 1 if any failed."""
        grouper = LineGrouper()
        for line in lines:
            for text in grouper.feed(line):
                self._run_one(text)
                if self.done:
                    return self.exit_code()
        for text in grouper.flush():
            self._run_one(text)
        return self.exit_code()

    def _run_one(self, text: str) -> None:
        try:
            self.handle(text)
        except KeyboardInterrupt:
            self.error("interrupted")

    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def run_terminal(self) -> int:
        """Interactive mode: prompt_toolkit with history and completion; always 0."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        path = history_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        prompt_session: Any = PromptSession(
            history=FileHistory(str(path)), completer=_completer(self.session),
            complete_while_typing=False,
        )
        self.out.write("adcli REPL: :help for help, Ctrl-D to leave\n")
        grouper = LineGrouper()
        while not self.done:
            try:
                line = prompt_session.prompt(CONTINUATION if grouper.pending else PROMPT)
            except KeyboardInterrupt:
                grouper.clear()  # Ctrl-C while typing drops the input, as in Python
                continue
            except EOFError:
                break
            for text in grouper.feed(line):
                self._run_one(text)
                if self.done:
                    break
        return 0


def _array(value: Any) -> np.ndarray:
    return np.asarray(value.numpy() if isinstance(value, Tensor) else value)


# ---- Python habits ----------------------------------------------------------------

_MODULE_CALL = re.compile(r"^(?:tf|np|numpy|math|adcli)\.(?P<name>[A-Za-z_]\w*)$")
_PRINT_CALL = re.compile(r"\bprint\s*\((?P<argument>.*)\)\s*$")
_ASSIGNED_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*\w+\.\w+\s*\(\s*([^()=]+?)\s*\)\s*$")
_TAPE_WORDS = ("Variable", "constant", "convert_to_tensor", "GradientTape")
_API = "the Python API's (import adcli as tf, in a Python program)"


def python_habit_hint(error: AdcliError) -> AdcliError:
    """The error, with a hint at what works in the REPL when the text it points at is a
    Python habit: `tf.Variable(3.0)`, `print(x)`, `import adcli as tf`. The REPL speaks
    the adcli language, where an assigned number is already differentiable and a
    line's value is printed. Decided from the source under the error's span, never
    from its message."""
    if error.span is None or error.source is None:
        return error
    word = error.source[error.span.start:error.span.end].strip()
    line = (error.source.splitlines() or [""])[max(error.span.line - 1, 0)] \
        if error.span.line <= len(error.source.splitlines()) else ""
    module = _MODULE_CALL.match(word)
    if module is not None:
        name = module.group("name")
        python_api = word.startswith(("tf.", "adcli."))
        if python_api and name in _TAPE_WORDS:
            assigned = _ASSIGNED_CALL.match(line)
            target, value = assigned.groups() if assigned else ("x", "3.0")
            error.hint = (f"{word} is {_API}; in the REPL a number assigned is already a "
                          f"variable to differentiate: write {target} = {value}, then "
                          f"grad(f, {target}) or :grad f wrt {target}")
        elif name not in B.all_names():
            error.hint = (f"{word} is Python; the REPL speaks the adcli language, whose "
                          f"functions are built in (Tab completes them)")
    elif word == "print":
        called = _PRINT_CALL.search(line)
        shown = called.group("argument").strip() if called else ""
        error.hint = ("a line's value is printed: type " + (shown or "the expression") +
                      (" instead of " + called.group(0).strip() if called and shown else ""))
    elif word == "import":
        error.hint = ("the REPL speaks the adcli language, which needs no import: its "
                      "functions are built in; import adcli as tf is for a Python program "
                      "(the Python API)")
    return error


_KEYWORDS = ("def", "return", "for", "in", "if", "elif", "else", "while", "break",
             "continue", "pass", "and", "or", "not", "True", "False")


def _completer(session: Session) -> Any:
    from prompt_toolkit.completion import Completer, Completion

    class AdcliCompleter(Completer):
        """Builtins, session variables and functions, keywords; `:commands` at the start."""

        def get_completions(self, document: Any, complete_event: Any) -> Iterator[Any]:
            before = document.text_before_cursor
            if before.lstrip().startswith(":") and " " not in before.strip():
                word = before.strip()
                for name in COMMANDS:
                    if name.startswith(word):
                        yield Completion(name, start_position=-len(word))
                return
            match = re.search(r"[A-Za-z_]\w*$", before)
            if match is None:
                return
            word = match.group(0)
            names = sorted(set(B.all_names()) | set(session.names()) | set(B.CONSTANTS)
                           | set(_KEYWORDS))
            for name in names:
                if name.startswith(word) and name != word:
                    yield Completion(name, start_position=-len(word))

    return AdcliCompleter()


def main(fmt: str = "table", digits: int = 12, max_iterations: int | None = None,
         quiet: bool = False) -> int:
    """Run the REPL on this process's standard input; return the exit code."""
    # The global options (adcli --max-depth 5 repl) set the process's default limits.
    limits = default_limits()
    if max_iterations is not None:
        limits = replace(limits, max_iterations=max_iterations)
    repl = Repl(fmt, digits, limits, quiet=quiet)
    if sys.stdin.isatty():
        return repl.run_terminal()
    return repl.run_lines(sys.stdin)
