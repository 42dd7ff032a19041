"""Is a generated project behind the template? For CI: exit 1 when an update is available."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from genai_scaffold import git
from genai_scaffold.update import find_project, installed_stand_in_for, read_answers


@dataclass(frozen=True)
class CheckResult:
    """The template version a project records, and the newest release available."""

    project: Path
    current: str
    latest: str | None

    @property
    def behind(self) -> bool:
        """True when a newer release than the recorded version exists."""
        if self.latest is None:
            return False
        recorded = _release_part(self.current)
        return recorded is None or Version(self.latest.lstrip("v")) > recorded


def _release_part(commit: str) -> Version | None:
    """`v1.2.0` and `v1.2.0-3-gabc1234` (3 commits past v1.2.0) -> 1.2.0; a hash -> None."""
    try:
        return Version(commit.split("-", 1)[0].lstrip("v"))
    except InvalidVersion:
        return None


def _newest_release(tags: list[str]) -> str | None:
    releases: list[tuple[Version, str]] = []
    for tag in tags:
        try:
            version = Version(tag.lstrip("v"))
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            releases.append((version, tag))
    return max(releases)[1] if releases else None


def check(path: Path) -> CheckResult:
    """Compare the project holding `path` with the newest release of its template.

    A project that records the template this tool ships is compared with the installed
    release's bundle, offline; any other source is asked with `git ls-remote`.
    """
    project = find_project(path)
    recorded = read_answers(project)
    source = str(recorded["_src_path"])
    stand_in = installed_stand_in_for(source)
    if stand_in is None and source.startswith("~"):
        source = str(Path(source).expanduser())
    tags = git.remote_tags(str(stand_in) if stand_in else source)
    return CheckResult(project, str(recorded["_commit"]), _newest_release(tags))
