"""The one gate between whatever the core raises and what the user sees.

* ``NarrateError`` (narrate's own), ``OSError`` (a full disk, a closed stdout, a file
  name too long, a permission...) and ``MemoryError`` become one ``Error: ...`` line on
  stderr and exit status 1.
* Ctrl-C (``KeyboardInterrupt``, also raised for SIGTERM by ``batch``) exits 130.
* Anything else is a bug in narrate: still one ``Error:`` line, which says so.
* ``--debug`` (or ``NARRATE_DEBUG=1``) lets the traceback through, for bug reports.

Click's own usage errors and exits pass through: click reports them. A bad value that
click took from an environment variable (``NARRATE_RATE=abc``) names that variable
as well as its option (:func:`naming_envvars`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from ..errors import NarrateError

log = logging.getLogger("narrate")

T = TypeVar("T")

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

PASS_THROUGH = (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort)


def describe_os_error(exc: OSError) -> str:
    """``<file>: <reason>`` for an OSError, in the words of the OS, without errno noise."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if reason[:1].isupper() and reason[1:2].islower():  # "No such file" -> "no such file"
        reason = reason[0].lower() + reason[1:]
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    if isinstance(exc, BrokenPipeError) and not names:
        return "the output pipe was closed"
    return f"{' -> '.join(names)}: {reason}" if names else reason


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    with contextlib.suppress(OSError, ValueError):
        click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


class StdoutError(OSError):
    """Writing a result to stdout failed (a full disk, a closed pipe)."""


class _GuardedStdout:
    """Stands in for sys.stdout while a command runs, so that a failed write is known
    to be stdout's, whoever wrote (click.echo flushes as it writes)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise StdoutError(exc.errno, exc.strerror) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise StdoutError(exc.errno, exc.strerror) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def stdout_failed(exc: OSError) -> NoReturn:
    """Report a failed stdout once; fd 1 then points at /dev/null, so the interpreter's
    own flush at exit does not print a second, ugly report of the same problem."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    if isinstance(exc.__cause__, BrokenPipeError) or exc.errno == errno.EPIPE:
        raise SystemExit(EXIT_ERROR) from None  # `narrate ... | head`: the reader left
    fail(f"cannot write to standard output: {describe_os_error(exc)}")


def flush_stdout() -> None:
    """Flush stdout inside the gate, so a full disk or a closed pipe is an ``Error:`` line."""
    stream = sys.stdout
    if stream is None:
        return
    try:
        stream.flush()
    except OSError as exc:
        stdout_failed(exc if isinstance(exc, StdoutError) else StdoutError(exc.errno, exc.strerror))
    except ValueError:  # flushed after being closed: nothing left to say
        pass


def name_envvar(exc: click.BadParameter) -> click.BadParameter:
    """``exc``, naming the environment variable its option's value was read from."""
    param, ctx = exc.param, exc.ctx
    if (
        exc.param_hint is None
        and isinstance(param, click.Option)
        and param.name
        and ctx is not None
        and ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT
    ):
        names = [param.envvar] if isinstance(param.envvar, str) else param.envvar or []
        found = next((n for n in names if os.environ.get(n)), None)
        if found is not None:
            exc.param_hint = f"{param.get_error_hint(ctx)} (from the environment variable {found})"
    return exc


@contextlib.contextmanager
def naming_envvars() -> Iterator[None]:
    """Let a ``BadParameter`` for a value read from the environment name the variable."""
    try:
        yield
    except click.BadParameter as exc:
        name_envvar(exc)
        raise


def run_guarded(call: Callable[[], T], ctx: click.Context | None = None) -> T:
    # --debug has envvar NARRATE_DEBUG, so click has already read the environment too.
    debug = bool(ctx and ctx.find_root().params.get("debug"))
    original = sys.stdout
    if original is not None and not isinstance(original, _GuardedStdout):
        sys.stdout = _GuardedStdout(original)  # type: ignore[assignment]
    try:
        result = call()
        flush_stdout()
        return result
    except PASS_THROUGH:
        raise
    except SystemExit:
        raise
    except KeyboardInterrupt:
        if debug:
            raise
        fail("interrupted", EXIT_INTERRUPTED)
    except NarrateError as exc:
        if debug:
            raise
        fail(str(exc))
    except OSError as exc:
        if debug:
            raise
        if isinstance(exc, StdoutError) or (
            isinstance(exc, BrokenPipeError) and exc.filename is None
        ):  # a write to stdout that did not pass the guard (click caches its stream)
            stdout_failed(exc)
        fail(describe_os_error(exc))
    except MemoryError:
        if debug:
            raise
        fail("out of memory")
    except Exception as exc:  # a bug: still no traceback unless asked for
        if debug:
            raise
        log.debug("internal error", exc_info=True)
        fail(
            f"internal error ({type(exc).__name__}: {exc}); please report it, "
            "with the output of the same command run with --debug"
        )
    finally:
        sys.stdout = original


def guarded_main(entry: Callable[..., Any], **kwargs: Any) -> None:
    """Run click's ``main`` so that what happens outside a command passes the gate too:
    ``--help`` or ``--version`` into a full stdout, a closed stdout, Ctrl-C while parsing."""
    if sys.stdout is None:  # `narrate ... >&-`: the result would be lost, so do no work
        fail("standard output is closed; redirect it to a file or /dev/null instead")
    original = sys.stdout
    sys.stdout = _GuardedStdout(original)  # type: ignore[assignment]
    try:
        entry(**kwargs)
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    except StdoutError as exc:
        stdout_failed(exc)
    finally:
        sys.stdout = original
