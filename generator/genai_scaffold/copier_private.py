"""Every use of Copier's (and prompt_toolkit's) private API, and what mirrors Copier's code.

Copier's public API is `run_copy`, `run_update`, `run_recopy`, its errors and settings;
what genai-scaffold needs beyond that is here and nowhere else, each piece checked by
tests/test_copier_contract.py against `COPIER_CHECKED`, so that a Copier release that
changes one fails there, loudly, rather than in a user's prompt:

- how a question is shown: Copier has no setting for it, so its private `Question`'s
  `get_message` and `get_questionary_structure` are replaced for one run;
- prompt_toolkit's once-per-file-descriptor "stdin is not a terminal" record;
- Copier's per-file git index check, skipped when copying into a fresh folder where
  it has nothing to do (half of a render's time);
- how Copier renders and casts a default, which `list` shows: Copier renders defaults only
  while rendering a project (seconds, and it imports all of Copier), so its Jinja
  environment and its casts are mirrored here, without importing Copier.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

# The Copier release this module was last checked against (the contract test's pin).
COPIER_CHECKED = "9.19.1"

# Copier's `cast_to_bool`: YAML's booleans and nulls, after numbers.
_TRUE = frozenset({"y", "yes", "t", "true", "on"})
_FALSE = frozenset({"n", "no", "f", "false", "off", "~", "null", "none"})


@contextmanager
def questions_shown_by(
    message: Callable[[Any], str], transform_structure: Callable[[dict[str, Any]], None]
) -> Iterator[None]:
    """Within the block, Copier's prompts use `message(question)` as a question's text.

    `transform_structure` may change the questionary structure (its `choices`) Copier
    builds for each question. Only this process is affected, and only for the block.
    """
    from copier._user_data import Question

    original_message = Question.get_message
    original_structure = Question.get_questionary_structure

    def get_questionary_structure(question: Any) -> dict[str, Any]:
        structure: dict[str, Any] = original_structure(question)
        transform_structure(structure)
        return structure

    Question.get_message = message  # type: ignore[method-assign,assignment]
    Question.get_questionary_structure = get_questionary_structure  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Question.get_message = original_message  # type: ignore[method-assign]
        Question.get_questionary_structure = original_structure  # type: ignore[method-assign]


@contextmanager
def no_index_sync_for_fresh_copies() -> Iterator[None]:
    """Within the block, Copier skips its git index check for each rendered file.

    For every file it renders, Copier asks git whether the destination's index should get
    the file's executable bit (`Worker._sync_git_index_executable_bit`): a git process
    per file, about 150 for a project, half the time of a render. Its docstring says it
    does nothing for a file git does not track yet, and `genai-scaffold new` renders into
    a fresh staging folder, where git tracks nothing. Only for such copies, never updates.
    """
    from copier._main import Worker

    original = Worker._sync_git_index_executable_bit

    def untracked_files_need_nothing(worker: Any, dst_relpath: Path, src_mode: int) -> None:
        return None

    Worker._sync_git_index_executable_bit = untracked_files_need_nothing  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Worker._sync_git_index_executable_bit = original  # type: ignore[method-assign]


def rendered_help(question: Any) -> str:
    """A Copier question's help text, rendered with the answers so far ('' if none)."""
    return str(question.render_value(question.help)) if question.help else ""


def type_name(question: Any) -> str:
    """A Copier question's type ("str", "bool", "int", ...), rendered."""
    return str(question.get_type_name())


def silence_not_a_terminal_warning() -> None:
    """Mark stdin as already warned about in prompt_toolkit (its once-per-fd record)."""
    from prompt_toolkit.input.vt100 import Vt100Input

    try:
        if not sys.stdin.isatty():
            Vt100Input._fds_not_a_terminal.add(sys.stdin.fileno())
    except (AttributeError, ValueError, OSError):  # no real stdin (tests), or closed
        pass


def default_environment(root: Path, envops: dict[str, Any]) -> SandboxedEnvironment:
    """A Jinja environment like Copier's: sandboxed, loader at the template root, its filters."""
    from jinja2 import FileSystemLoader
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        loader=FileSystemLoader(root),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        **envops,
    )


def cast_default(type_name: str, value: Any) -> Any:
    """A rendered default cast to its question's type, as Copier's `cast_answer` does."""
    if not isinstance(value, str):
        return value
    if type_name == "bool":
        try:
            return bool(float(value))
        except ValueError:
            lower = value.strip().lower()
            return lower in _TRUE if lower in _TRUE | _FALSE else bool(lower)
    if type_name == "int":
        return int(value)
    if type_name == "float":
        return float(value)
    if type_name in {"yaml", "json"}:
        return yaml.safe_load(value)
    return value
