"""Runs Copier through its public API and turns its errors into ours.

What needs Copier's private API is in `copier_private`.

Copier is imported inside the functions, so that `genai-scaffold --help` and `list` do
not pay for importing it.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genai_scaffold.errors import (
    InvalidAnswerError,
    NoTerminalError,
    ScaffoldError,
    TemplateNotFoundError,
)
from genai_scaffold.template_source import TemplateSource

NO_CPR = "PROMPT_TOOLKIT_NO_CPR"
COPIER_CACHE = "COPIER_CACHE_DIR"
_VALIDATION = re.compile(r"Validation error for question '(?P<name>[^']+)': (?P<message>.*)", re.S)


def _first_line(error: BaseException) -> str:
    return next((line.strip() for line in str(error).splitlines() if line.strip()), repr(error))


def _git_reason(error: Any) -> str:
    """The reason git gives: its first `fatal:` line ("fatal: repository ... not found").

    git follows it with advice ("Please make sure you have the correct access rights /
    and the repository exists."), so the last line is not the reason.
    """
    lines = [line.strip() for line in str(error.stderr or "").splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (fatal or lines or [_first_line(error)])[0]


@dataclass(frozen=True)
class Hints:
    """What to tell the user when the template cannot be fetched or lacks a revision.

    The caller knows which options the user passed, so it words these: a hint names
    only options that exist and were used.
    """

    fetch: str
    revision: str


@contextmanager
def _readable_prompts() -> Iterator[None]:
    """Copier's prompts show each question's name, then its help wrapped to the terminal.

    Copier has no setting for this (see `copier_private.questions_shown_by`); the rest
    of the prompt (defaults, menus of labelled choices, validators that re-ask with
    their reason) is Copier's.
    """
    from genai_scaffold.copier_private import questions_shown_by, rendered_help, type_name
    from genai_scaffold.prompts import menu_label, prompt_message, terminal_width

    def message(question: Any) -> str:
        return prompt_message(
            question.var_name, type_name(question), rendered_help(question), terminal_width()
        )

    def wrap_choices(structure: dict[str, Any]) -> None:
        for choice in structure.get("choices", []):  # questionary Choice objects
            if isinstance(choice.title, str):
                choice.title = menu_label(choice.title, terminal_width())

    with questions_shown_by(message, wrap_choices):
        yield


@contextmanager
def _quiet_tools() -> Iterator[None]:
    """Keep warnings that ask nothing of the user from reaching the terminal.

    prompt_toolkit warns when a terminal does not answer cursor-position requests
    (a pseudo-terminal, tmux on some set-ups), and when stdin is no terminal at all,
    which the error that follows already says (with what to do instead).
    """
    from genai_scaffold.copier_private import silence_not_a_terminal_warning

    silence_not_a_terminal_warning()
    previous = os.environ.get(NO_CPR)
    os.environ[NO_CPR] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[NO_CPR]
        else:
            os.environ[NO_CPR] = previous


@contextmanager
def _git_reads(url: str, stand_in: Path | None) -> Iterator[None]:
    """Have Copier's git commands read `url` from the local `stand_in`, if one is given.

    The answers file keeps the canonical URL; only this process's git commands are
    redirected (`url.<stand_in>.insteadOf <url>`, through git's GIT_CONFIG_* variables),
    and Copier caches its mirror of the URL under genai-scaffold's own folder
    (`template_source.mirror_cache`).
    """
    if stand_in is None:
        yield
        return
    from plumbum import local

    from genai_scaffold.template_source import mirror_cache

    count = int(os.environ.get("GIT_CONFIG_COUNT", "0"))
    variables = {
        "GIT_CONFIG_COUNT": str(count + 1),
        f"GIT_CONFIG_KEY_{count}": f"url.{stand_in}.insteadOf",
        f"GIT_CONFIG_VALUE_{count}": url,
        COPIER_CACHE: str(mirror_cache()),
    }
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        with local.env(**variables):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _translated_errors(hints: Hints) -> Iterator[None]:
    from copier.errors import (
        CopierAnswersInterrupt,
        InteractiveSessionError,
        UnsafeTemplateError,
        UserMessageError,
    )
    from plumbum import ProcessExecutionError

    try:
        with warnings.catch_warnings(), _readable_prompts(), _quiet_tools():
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
            hint=hints.fetch,
        ) from error
    except UserMessageError as error:
        raise ScaffoldError(_first_line(error), hint="see `genai-scaffold --help`") from error
    except ValueError as error:
        if str(error).startswith("Unknown revision"):
            raise TemplateNotFoundError(
                f"the template has no {_first_line(error).split(': ', 1)[1]} tag, branch or commit",
                hint=hints.revision,
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
    hints: Hints,
    pretend: bool = False,
) -> None:
    """Render `source` into `dest` with Copier (no tasks, no untrusted features)."""
    from copier import run_copy

    from genai_scaffold.copier_private import no_index_sync_for_fresh_copies

    # `dest` is a fresh staging folder (or, pretending, nothing is written at all).
    with (
        _translated_errors(hints),
        _git_reads(source.src, source.stand_in),
        no_index_sync_for_fresh_copies(),
    ):
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
    project: Path,
    data: Mapping[str, Any],
    *,
    vcs_ref: str | None,
    defaults: bool,
    hints: Hints,
    recorded_source: str,
    stand_in: Path | None,
) -> None:
    """Copier's three-way update of `project`; conflicts are left as inline markers."""
    from copier import run_update

    with _translated_errors(hints), _git_reads(recorded_source, stand_in):
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
