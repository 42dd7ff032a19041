"""Failures users meet for real: read-only and full disks, signals mid-generation.

Each runs the installed CLI in a subprocess against a real condition: a read-only tmpfs,
a 300 KiB tmpfs, SIGTERM and SIGINT sent while Copier is rendering. Mounting needs root
(CI runs as root); elsewhere those tests are skipped.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from genai_scaffold.errors import FilesystemError

SCRIPT = str(Path(sys.executable).with_name("genai-scaffold"))


def new_defaults(dest: Path, cwd: Path) -> tuple[int, list[str]]:
    """`genai-scaffold new rag-chatbot DEST --defaults`: exit status and stderr lines."""
    result = subprocess.run(
        [SCRIPT, "new", "rag-chatbot", str(dest), "--defaults"],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    return result.returncode, result.stderr.splitlines()


def start(*args: str, cwd: Path, tmpdir: Path) -> subprocess.Popen[str]:
    """Start the CLI with Ctrl-C's signal at its default, as in a terminal.

    A test run started in the background by a shell (CI scripts, `nohup ... &`) ignores
    SIGINT, children inherit that, and Python then installs no KeyboardInterrupt handler.
    """
    return subprocess.Popen(
        [SCRIPT, *args],
        cwd=cwd,
        env={**os.environ, "TMPDIR": str(tmpdir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def test_a_read_only_parent_is_one_line_and_exit_1(
    mount_tmpfs: Callable[[str, str], Path], tmp_path: Path
) -> None:
    read_only = mount_tmpfs("ro", "ro,size=1m")

    for dest in (read_only / "bot", read_only / "nested" / "bot"):
        assert new_defaults(dest, cwd=tmp_path) == (
            1,
            [
                f"Error: cannot write {dest}: Read-only file system",
                "Hint: that file system is read-only: choose a destination elsewhere",
            ],
        )
    assert list(read_only.iterdir()) == []


def test_a_full_disk_is_one_line_and_leaves_nothing(
    mount_tmpfs: Callable[[str, str], Path],
) -> None:
    full = mount_tmpfs("full", "size=300k")

    assert new_defaults(full / "bot", cwd=full) == (
        1,
        [
            f"Error: cannot write {full / 'bot'}: No space left on device",
            "Hint: free some disk space (or choose another disk) and run it again",
        ],
    )
    assert list(full.iterdir()) == []


@pytest.mark.parametrize(
    ("signum", "status", "line"),
    [
        (signal.SIGTERM, 143, "Aborted: interrupted by SIGTERM"),
        (signal.SIGINT, 130, "Aborted: interrupted by Ctrl-C (SIGINT)"),
    ],
)
def test_a_signal_mid_generation_leaves_nothing_behind(
    tmp_path: Path, signum: signal.Signals, status: int, line: str
) -> None:
    work, scratch = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    scratch.mkdir()
    process = start_frozen_mid_render(work, scratch)
    process.send_signal(signum)  # delivered when the process runs again
    process.send_signal(signal.SIGCONT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == status
    assert stderr.splitlines() == [line]
    assert list(work.iterdir()) == []
    assert list(scratch.iterdir()) == []  # Copier's clone of the template is gone too


def start_frozen_mid_render(work: Path, scratch: Path, attempts: int = 3) -> subprocess.Popen[str]:
    """`new` stopped (SIGSTOP) while Copier renders into its staging folder.

    Watching the folder and then signalling races the renderer on a loaded machine: the
    generation may finish in between. Freezing first and then checking that the staging
    folder is still there (and the destination not yet) makes "mid-generation" certain;
    a run that finished too quickly is cleaned up and tried again.
    """
    for _ in range(attempts):
        process = start("new", "rag-chatbot", "bot", "--defaults", cwd=work, tmpdir=scratch)
        deadline = time.monotonic() + 60
        while not any(staging_rendered(path) for path in work.iterdir()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGSTOP)
        if not (work / "bot").exists() and any(staging_rendered(p) for p in work.iterdir()):
            return process
        process.send_signal(signal.SIGCONT)
        process.communicate(timeout=60)
        shutil.rmtree(work / "bot", ignore_errors=True)
    pytest.fail(f"generation finished before it could be frozen, {attempts} times")


def staging_rendered(path: Path) -> bool:
    """Copier has cloned the template and is writing files into this staging folder."""
    try:
        return path.name.endswith(".genai-scaffold") and any(path.rglob("*.toml"))
    except FileNotFoundError:  # renamed into place, or removed, while being read
        return False


def test_no_terminal_is_one_error_without_prompt_toolkit_warnings(tmp_path: Path) -> None:
    result = subprocess.run(
        [SCRIPT, "new", "rag-chatbot", "bot"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Error: a question needs an answer and there is no terminal to ask it on",
        "Hint: pass --defaults, or the answers with -d KEY=VALUE / --data-file FILE",
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("number", "hint"),
    [
        (errno.EACCES, "you may not write there: choose a folder you own"),
        (errno.EPERM, "you may not write there: choose a folder you own"),
        (errno.EDQUOT, "free some of your disk quota and run it again"),
        (errno.EIO, "check the destination folder and run it again"),
    ],
)
def test_other_write_failures_name_the_destination_and_a_fix(number: int, hint: str) -> None:
    """Permission denied cannot be produced for real as root; the mapping is checked here."""
    error = FilesystemError.from_os_error(
        OSError(number, os.strerror(number), "/x/.bot.staging/file"), Path("/x/bot")
    )

    assert error.message == f"cannot write /x/bot: {os.strerror(number)}"
    assert error.hint == hint
    assert error.exit_code == 1
