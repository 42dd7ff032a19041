"""The interactive flow in a real pseudo-terminal 70 columns wide, read off the screen.

pexpect drives the installed CLI in a pty; pyte (a VT100 emulator) turns what it writes
into the screen a user sees, so that a cut line, a missing question name or a warning
shows here exactly as it would in a terminal.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect
import pyte
from genai_scaffold.questionnaire import Questionnaire
from genai_scaffold.readme import quickstart_commands

COLUMNS = 70
ROWS = 400  # tall enough that nothing scrolls away
SIZE_VARIABLES = {"COLUMNS", "LINES"}
QUIET_SECONDS = 1.0  # no output for this long: the prompt waits for a key


def drive(args: list[str], cwd: Path) -> tuple[list[str], int]:
    """Run the CLI in a pty, pressing Enter at every prompt; return screen and status."""
    screen = pyte.Screen(COLUMNS, ROWS)
    stream = pyte.ByteStream(screen)
    child = pexpect.spawn(
        str(Path(sys.executable).with_name("genai-scaffold")),
        args,
        cwd=str(cwd),
        dimensions=(ROWS, COLUMNS),
        # The pty's size is the terminal's: COLUMNS and LINES (pytest-xdist's workers
        # set 80 x 24) would override it, as a shell's stale values would.
        env={
            **{name: value for name, value in os.environ.items() if name not in SIZE_VARIABLES},
            "TERM": "xterm",
        },
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            stream.feed(child.read_nonblocking(65536, timeout=QUIET_SECONDS))
        except pexpect.TIMEOUT:
            child.send("\r")  # take the default / the highlighted choice
        except pexpect.EOF:
            break
    child.close()
    return [line.rstrip() for line in screen.display], child.exitstatus


def words(text: str) -> str:
    return " ".join(text.split())


def test_prompts_show_the_name_then_the_whole_help_at_70_columns(
    workdir: Path, questionnaire: Questionnaire
) -> None:
    lines, status = drive(["new", "rag-chatbot", "bot", "--no-git"], workdir)

    assert status == 0, "\n".join(lines)
    screen = words("\n".join(lines))
    asked = [line.split(" ", 1)[1] for line in lines if line.startswith("🎤 ")]
    questions = {q.name: q for q in questionnaire.questions_for("rag-chatbot")}
    assert asked[:3] == ["project_name", "project_slug", "package_name"]
    assert {"license", "docker", "web_ui"} <= set(asked)
    for name in asked:
        assert words(questions[name].help) in screen, f"the help of {name} is cut"
    license_prompt = lines[lines.index("🎤 license") : lines.index("🎤 copyright_year")]
    assert "   MIT" in license_prompt  # the menu closed on its highlighted choice
    assert "WARNING" not in screen
    assert "No git tags" not in screen


def test_next_steps_are_plain_whole_lines(workdir: Path) -> None:
    lines, status = drive(["new", "rag-chatbot", "bot", "--no-git", "--defaults"], workdir)

    assert status == 0, "\n".join(lines)
    steps = lines[lines.index("Next steps:") + 1 :]
    commands = ["cd bot", *quickstart_commands(workdir / "bot" / "README.md")]
    # A command longer than the terminal wraps onto the next line (anywhere, even in a
    # word), never cut or boxed: the screen holds the same characters in the same order.
    assert "".join("".join(steps).split()) == "".join("".join(commands).split())
    assert steps[0] == "cd bot"
    assert not set("".join(steps)) & set("│╭╮╰╯─┃")  # no panel around them
