"""The only module that talks to Copier: runs it and turns its errors into ours.

Copier is imported inside the functions, so that `genai-scaffold --help` and `list` do
not pay for importing it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from genai_scaffold.errors import (
    InvalidAnswerError,
    NoTerminalError,
    ScaffoldError,
    TemplateNotFoundError,
)
from genai_scaffold.template_source import TemplateSource

_VALIDATION = re.compile(r"Validation error for question '(?P<name>[^']+)': (?P<message>.*)", re.S)


def _first_line(error: BaseException) -> str:
    return next((line.strip() for line in str(error).splitlines() if line.strip()), repr(error))


def _git_reason(error: Any) -> str:
    """The last line git wrote to stderr ("fatal: repository ... not found")."""
    lines = [line.strip() for line in str(error.stderr or "").splitlines() if line.strip()]
    return lines[-1] if lines else _first_line(error)


@contextmanager
def _translated_errors() -> Iterator[None]:
    from copier.errors import (
        CopierAnswersInterrupt,
        InteractiveSessionError,
        UnsafeTemplateError,
        UserMessageError,
    )
    from plumbum import ProcessExecutionError

    try:
        with warnings.catch_warnings():
            # Rendering a checkout with uncommitted changes is what development means.
            warnings.filterwarnings("ignore", message="Dirty template changes")
            yield
    except CopierAnswersInterrupt as error:
        raise KeyboardInterrupt from error
    except InteractiveSessionError as error:
        raise NoTerminalError(
            "a question needs an answer and there is no terminal to ask it on",
            hint="pass --defaults, or the answers with -d KEY=VALUE / --data-file FILE",
        ) from error
    except UnsafeTemplateError as error:
        raise TemplateNotFoundError(
            "this template runs tasks or extensions, which genai-scaffold never trusts",
            hint="use plain `copier copy --trust` if you trust it",
        ) from error
    except ProcessExecutionError as error:
        raise TemplateNotFoundError(
            f"git could not fetch the template: {_git_reason(error)}",
            hint="check the --template URL and --vcs-ref",
        ) from error
    except UserMessageError as error:
        raise ScaffoldError(_first_line(error), hint="see `genai-scaffold --help`") from error
    except ValueError as error:
        if str(error).startswith("Unknown revision"):
            raise TemplateNotFoundError(
                f"the template has no {_first_line(error).split(': ', 1)[1]} tag, branch or commit",
                hint="check --vcs-ref (git tag -l in the template lists its releases)",
            ) from error
        if match := _VALIDATION.match(str(error)):
            raise InvalidAnswerError(
                f"{match['name']}: {match['message'].strip()}",
                hint=f"answer {match['name']} again, e.g. -d {match['name']}=...",
            ) from error
        raise InvalidAnswerError(
            _first_line(error), hint="pass --defaults or -d KEY=VALUE for every question"
        ) from error


def copy_template(
    source: TemplateSource,
    dest: Path,
    data: Mapping[str, Any],
    *,
    defaults: bool,
    pretend: bool = False,
) -> None:
    """Render `source` into `dest` with Copier (no tasks, no untrusted features)."""
    from copier import run_copy

    with _translated_errors():
        run_copy(
            source.src,
            dest,
            data=dict(data),
            vcs_ref=source.vcs_ref,
            defaults=defaults,
            pretend=pretend,
            quiet=not pretend,
            overwrite=True,
            unsafe=False,
        )


def update_project(
    project: Path, data: Mapping[str, Any], *, vcs_ref: str | None, defaults: bool
) -> None:
    """Copier's three-way update of `project`; conflicts are left as inline markers."""
    from copier import run_update

    with _translated_errors():
        run_update(
            project,
            data=dict(data),
            vcs_ref=vcs_ref,
            defaults=defaults,
            overwrite=True,
            skip_answered=True,
            conflict="inline",
            quiet=True,
            unsafe=False,
        )
