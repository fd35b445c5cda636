"""How the CLI reports failures and warnings: one message on standard error, an exit code.

One responsibility: turning what goes wrong in a command into what a user reads.
`handles_errors` wraps each command: a library error becomes its rendered message
(a caret under the source, the hint in the CLI's words) and the exit code of its
kind (1 evaluation, 2 usage or syntax); anything unexpected is an "internal error"
line, never a traceback (--debug prints one first, and keeps the message and the
exit code). It also applies --time-limit to the command. Imports click; the library
only when something fails.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click


class Settings:
    """What the group-level flags say, handed to every command."""

    debug = False
    # The REPL owns the terminal and exits the ordinary way (see main).
    interactive = False


def _time_seconds() -> float | None:
    """The --time-limit of this process, if one was given (without importing the
    language when none was: it is set together with the other limits)."""
    if "adcli.lang.interpreter" not in sys.modules:
        return None
    from adcli.lang import default_limits

    return default_limits().time_seconds


def print_error(message: str) -> None:
    click.echo(message, err=True)


def _print_traceback() -> None:
    """--debug: the traceback of the exception being handled, on standard error, before
    the message and exit code a user gets without --debug."""
    import traceback

    traceback.print_exc(file=sys.stderr)


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one clear message and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from adcli.errors import AdcliError

        try:
            # The REPL applies the time limit to each input instead (cli/repl.py).
            seconds = None if command.__name__ == "repl_command" else _time_seconds()
            if seconds is None:
                return command(*args, **kwargs)
            from adcli.lang.time_limit import time_limit

            with time_limit(seconds, f"running adcli {command.__name__.split('_')[0]}"):
                return command(*args, **kwargs)
        except AdcliError as error:
            if Settings.debug:
                _print_traceback()
            from adcli.cli.words import render

            print_error(render(error))
            sys.exit(error.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except UnicodeDecodeError as error:
            print_error(f"usage error: the input is not UTF-8 text (byte "
                         f"{error.object[error.start]:#04x} at offset {error.start}); save "
                         "the program or points file as UTF-8")
            sys.exit(2)
        except KeyboardInterrupt:
            print_error("interrupted")
            sys.exit(130)
        except MemoryError:
            # A tensor within --max-elements each, but too many of them kept at once.
            print_error("limit error: the command needs more memory than there is (its "
                         "tensors pass the limit one by one, but not together)\nhint: "
                         "ask for less (fewer points, a lower order, smaller tensors), or "
                         "lower --max-elements to stop such programs sooner")
            sys.exit(1)
        except BrokenPipeError:
            # The reader stopped early (`adcli ... | head`): not an error worth a
            # message. Point stdout at /dev/null so that the final flush is quiet.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except Exception as error:  # noqa: BLE001 - the last line of defence for users
            if Settings.debug:
                _print_traceback()
                sys.exit(1)
            print_error(f"internal error: {type(error).__name__}: {error}\n"
                         "(this is a bug in adcli; run with --debug for a traceback)")
            sys.exit(1)

    return wrapper


def warn(warnings: Any, quiet: bool) -> None:
    if quiet:
        return
    for warning in dict.fromkeys(warnings):
        print_error(f"warning: {warning}")
