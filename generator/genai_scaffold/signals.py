"""Turn SIGTERM and SIGHUP into exceptions, so that cleanup runs as it does for Ctrl-C.

Python's default action for both ends the process at once: no `finally`, no `except`, no
message, so a generation stopped by `kill`, a CI timeout or a closed terminal would leave
its staging folder behind. The few steps that must not be cut in two (moving the
finished project into place) hold the signals back and take them once done.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

# SIGHUP does not exist on Windows.
RAISED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
STOPPING = (signal.SIGINT, *RAISED)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived. A BaseException, so `except Exception` never swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def _handlers(
    signums: tuple[int, ...], handler: Callable[[int, Any], Any]
) -> Iterator[dict[int, Any]]:
    """Install `handler` for each of `signums` not ignored; restore them afterwards.

    A signal the process was started ignoring (`nohup`, a shell's background job) stays
    ignored: that is what whoever started the process asked for.
    """
    previous = {
        signum: signal.signal(signum, handler)
        for signum in signums
        if signal.getsignal(signum) is not signal.SIG_IGN
    }
    try:
        yield previous
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextmanager
def signals_raise() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise Terminated in the main thread."""
    if not _in_main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    with _handlers(RAISED, _raise_terminated):
        yield


@contextmanager
def held_back() -> Iterator[None]:
    """Run the block whole: a stopping signal arriving in it is taken when it ends.

    The signal is then handled as it would have been (Ctrl-C raises KeyboardInterrupt,
    SIGTERM Terminated under `signals_raise`), after the block's last step.
    """
    if not _in_main_thread():
        yield
        return
    received: list[int] = []
    with _handlers(STOPPING, lambda signum, frame: received.append(signum)) as previous:
        yield
    if received:
        handler = previous[received[0]]
        if callable(handler):
            handler(received[0], None)
        else:  # SIG_DFL: the default action, now that the block is done
            signal.raise_signal(received[0])


def raise_interrupt_behind(error: BaseException) -> None:
    """Raise the Ctrl-C or signal that `error` was raised while unwinding, if any.

    A clean-up cut short by the interrupt can fail in turn: Copier reads a template by
    running `git init` in a temporary folder, and when a signal stops that git mid-write,
    removing the folder meets files still appearing ("Directory not empty"). That error
    says nothing the user can act on; the interrupt is what happened, and is reported.
    """
    cause = error.__context__
    while cause is not None:
        if not isinstance(cause, Exception):  # KeyboardInterrupt, Terminated
            raise cause from None
        cause = cause.__context__
