"""How a question reads at the terminal: its name first, then its help wrapped to fit.

Copier shows a question's help folded onto one line as the whole prompt, and the
terminal cuts it at its width, taking the constraints at the end of the help with it.
Here the prompt is the question's name (a one-line title), then the help wrapped to
the terminal's width, then the answer on a line of its own.
"""

from __future__ import annotations

import shutil
import textwrap

INDENT = "  "
MAX_WIDTH = 100  # past this, lines get hard to read even on a wide terminal
MENU_POINTER = " » "  # questionary's select menu: pointer and spaces before each label
TYPE_NOTES = {"int": " (a whole number)", "float": " (a number)"}


def terminal_width() -> int:
    return shutil.get_terminal_size(fallback=(80, 24)).columns


def prompt_message(name: str, type_name: str, help_text: str, width: int) -> str:
    """The message a prompt shows, no line longer than `width` - 1 columns.

    The last column is left free: some terminals wrap as soon as it is written.
    The prompt marker (an emoji and a space, 3 columns) precedes the first line.
    """
    usable = max(min(width, MAX_WIDTH) - 1, 20)
    lines = [name + TYPE_NOTES.get(type_name, "")]
    paragraph = " ".join(help_text.split())
    if paragraph:
        lines += textwrap.wrap(
            paragraph,
            width=usable,
            initial_indent=INDENT,
            subsequent_indent=INDENT,
            break_long_words=False,
            break_on_hyphens=False,
        )
    return "\n".join(lines) + "\n" + INDENT


def menu_label(label: str, width: int) -> str:
    """A choice's label wrapped under itself, for a menu whose pointer takes 3 columns."""
    usable = max(min(width, MAX_WIDTH) - 1 - len(MENU_POINTER), 20)
    return ("\n" + " " * (len(MENU_POINTER) + len(INDENT))).join(
        textwrap.wrap(
            label,
            width=usable,
            subsequent_indent="",
            break_long_words=False,
            break_on_hyphens=False,
        )
        or [label]
    )
