"""Signals during `new`'s git step: the destination is absent or complete and committed.

The git step (init, add, identity check, commit) runs after rendering. A stand-in `git`
first on PATH sends the CLI a real signal at one point of that step, then runs the real
git; a tiny template keeps each run to about a second.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from genai_scaffold import generate

from tests.conftest import clean_up_fails_behind_sigterm, git, invoke

SCRIPT = str(Path(sys.executable).with_name("genai-scaffold"))
REAL_GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(REAL_GIT is None, reason="git is not installed")

TINY_COPIER_YML = """\
_subdirectory: "projects/{{ kind }}"
_answers_file: .copier-answers.yml
kind:
  type: str
  help: What to generate
  choices:
    "Tiny: a project of three files": tiny
project_name:
  type: str
  help: Name
  default: Tiny
author_name:
  type: str
  help: Author
  default: Ada
author_email:
  type: str
  help: Email
  default: ada@example.org
"""

# The git the CLI runs: the signal goes to its parent (the CLI) before or after the real
# git does its work. `-c user.name=.. -c user.email=.. commit` puts the command fifth.
# "during" execs the real git, so the process the CLI kills on the signal is git itself,
# as with no stand-in (a shell left in between would leave git writing into the folder
# the rollback removes). Only git run in the project folder ("bot") counts: Copier runs
# its own `git init` in a temporary folder while it reads the template.
FAKE_GIT = """\
#!/bin/sh
command=$1
[ "$1" = -c ] && command=$5
[ "${PWD##*/}" = bot ] || command=
if [ "$command" = "$STOP_AT" ] && [ "$STOP_WHEN" = during ]; then
    kill -s "$STOP_SIGNAL" "$PPID"
    exec "$REAL_GIT" "$@"
fi
"$REAL_GIT" "$@"
status=$?
if [ "$command" = "$STOP_AT" ] && [ "$STOP_WHEN" = after ]; then
    kill -s "$STOP_SIGNAL" "$PPID"
fi
exit $status
"""

LINES = {
    signal.SIGTERM: (143, "Aborted: interrupted by SIGTERM"),
    signal.SIGINT: (130, "Aborted: interrupted by Ctrl-C (SIGINT)"),
    signal.SIGHUP: (129, "Aborted: interrupted by SIGHUP"),
}


@pytest.fixture(scope="module")
def tiny_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny-template")
    (root / "copier.yml").write_text(TINY_COPIER_YML, encoding="utf-8")
    project = root / "projects" / "tiny"
    (project / "src").mkdir(parents=True)
    (project / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml }}", encoding="utf-8"
    )
    (project / "README.md.jinja").write_text("# {{ project_name }}\n", encoding="utf-8")
    (project / "src" / "tiny.py").write_text('"""Tiny."""\n', encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def fake_git_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fake-git")
    (folder / "git").write_text(FAKE_GIT, encoding="utf-8")
    (folder / "git").chmod(0o755)
    return folder


def signals_at_default() -> None:
    """Ctrl-C's and SIGHUP's default actions, as in a terminal.

    A test run started in the background (`nohup`, `cmd &` in a script) ignores them,
    children inherit that, and the CLI keeps ignoring what its starter ignores.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def new_stopped_at(
    template: Path, fake_git_dir: Path, cwd: Path, step: str, when: str, signum: int
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PATH": f"{fake_git_dir}{os.pathsep}{os.environ['PATH']}",
        "REAL_GIT": str(REAL_GIT),
        "STOP_AT": step,
        "STOP_WHEN": when,
        "STOP_SIGNAL": signal.Signals(signum).name.removeprefix("SIG"),
    }
    return subprocess.run(
        [SCRIPT, "new", "tiny", "bot", "--defaults", "--template", str(template)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=signals_at_default,
    )


def assert_committed(project: Path, files: list[str]) -> None:
    """`files` tracked in one commit, nothing else in the tree."""
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert len(git(project, "log", "--oneline").splitlines()) == 1
    assert sorted(git(project, "ls-files").splitlines()) == sorted(files)


@pytest.mark.parametrize(
    ("step", "when", "signum"),
    [
        ("init", "during", signal.SIGTERM),
        ("add", "during", signal.SIGHUP),
        ("add", "after", signal.SIGINT),
        ("config", "during", signal.SIGTERM),
        ("commit", "during", signal.SIGHUP),
        ("commit", "after", signal.SIGTERM),
    ],
)
def test_a_signal_in_the_git_step_leaves_no_half_made_project(
    tmp_path: Path, tiny_template: Path, fake_git_dir: Path, step: str, when: str, signum: int
) -> None:
    result = new_stopped_at(tiny_template, fake_git_dir, tmp_path, step, when, signum)

    status, line = LINES[signal.Signals(signum)]
    assert (result.returncode, result.stderr.splitlines()) == (status, [line])
    # Before the move into place, the rollback removed everything, staging folder included.
    assert [path.name for path in tmp_path.iterdir()] == []


def test_a_signal_during_the_move_into_place_is_taken_once_the_project_is_there(
    tmp_path: Path, tiny_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_move = generate._move_into_place

    def signalled_move(rendered: Path, dest: Path, files: list[str]) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-move
        real_move(rendered, dest, files)

    monkeypatch.setattr(generate, "_move_into_place", signalled_move)
    monkeypatch.chdir(tmp_path)

    result = invoke("new", "tiny", "bot", "--defaults", "--template", str(tiny_template))

    assert (result.exit_code, result.stderr.splitlines()) == (143, [LINES[signal.SIGTERM][1]])
    assert [path.name for path in tmp_path.iterdir()] == ["bot"]
    assert_committed(tmp_path / "bot", ["README.md", "src/tiny.py", ".copier-answers.yml"])


def test_a_clean_up_failing_while_a_signal_unwinds_reports_the_signal(
    tmp_path: Path, tiny_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate, "copy_template", clean_up_fails_behind_sigterm)
    monkeypatch.chdir(tmp_path)

    result = invoke("new", "tiny", "bot", "--defaults", "--template", str(tiny_template))

    assert (result.exit_code, result.stderr.splitlines()) == (143, [LINES[signal.SIGTERM][1]])
    assert [path.name for path in tmp_path.iterdir()] == []
