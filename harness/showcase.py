"""Every picture `nox -s showcase` takes, what feeds it, and whether it has gone stale.

The pictures are the generator README's site screenshots and cards (docs/showcase/) and
the pictures the generated projects ship (the chat page, the rating page, the lora demo's
loss curve and card). Each is declared below with the template files it shows; the
showcase session retakes them all from the current tree (or one kind's: `nox -s showcase
-- rag-chatbot`) and writes MANIFEST, which records per picture its own SHA-256, each
source's, and the commit and time it was taken. `stale` recomputes those hashes:
a source edited after its picture was taken, a picture replaced by hand, or a picture
the manifest does not know is reported with RETAKE, the one command that mends it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.sources import MissingSourceError, expand, sha256

REPOSITORY = Path(__file__).resolve().parents[1]
MANIFEST = "docs/showcase/manifest.json"
RETAKE = "nox -s showcase"
# Where pictures live: the README's showcase and every kind's template folders.
PICTURE_FOLDERS = ("docs/showcase", "projects", "template")

SITE = ("template/mkdocs.yml.jinja", "template/docs/hooks.py.jinja")
LORA = "projects/lora-finetune"
# The demo's results in docs/results/ exist once per data layout under the same names: each
# source's name carries the condition that picks it (the text layout's, or the others').
LORA_LAYOUTS = {"prompt_completion": "data_format != 'text'", "text": "data_format == 'text'"}
SOCIAL_PREVIEW = "social-preview.png"
LORA_DRAWING = (
    "projects/lora-finetune/src/{{ package_name }}/report.py",
    "projects/lora-finetune/src/{{ package_name }}/social_preview.py.jinja",
)


@dataclass(frozen=True)
class Picture:
    """One picture: where it lives here, what it shows and the template files it shows.

    `page` is the path of the built site's page it photographs; otherwise the rendered
    project's own command (see the showcase session) writes it at `made`, a path inside
    the project, and the session copies it to `path`.
    """

    path: str
    kind: str
    shows: str
    sources: tuple[str, ...]
    answers: dict[str, str] = field(default_factory=dict)
    page: str | None = None
    made: str | None = None

    @property
    def render(self) -> str:
        """The rendered project it comes from: the kind and the answers beyond the defaults."""
        given = ",".join(f"{key}={value}" for key, value in sorted(self.answers.items()))
        return f"{self.kind}({given or 'defaults'})"


def _site_page(kind: str, name: str, page: str, shows: str, *sources: str) -> Picture:
    mkdocs = f"projects/{kind}/{{% if docs_site %}}mkdocs.yml{{% endif %}}.jinja"
    return Picture(
        path=f"docs/showcase/{kind}/{name}.png",
        kind=kind,
        shows=shows,
        sources=(*SITE, mkdocs, *sources),
        page=page,
    )


def _home(kind: str) -> Picture:
    # The home page is the README (a snippet of it), with the pictures it embeds.
    return _site_page(
        kind,
        "home",
        "",
        f"{kind}'s documentation site: the home page, the README's first screen",
        "template/docs/index.md.jinja",
        f"projects/{kind}/README.md.jinja",
    )


def lora_result(data_format: str, name: str) -> str:
    """The template file that ships as docs/results/`name` in projects with `data_format`."""
    return f"{LORA}/docs/results/{{% if {LORA_LAYOUTS[data_format]} %}}{name}{{% endif %}}"


def _lora_pictures(data_format: str, default: bool) -> list[Picture]:
    """The demo run's card and loss curve, drawn by the project's own `report` step."""
    # The card and curve plot the demo's run: the shipped figures and losses they show.
    sources = (
        *LORA_DRAWING,
        lora_result(data_format, "metrics.json"),
        lora_result(data_format, "results.md"),
    )
    answers = {} if default else {"data_format": data_format}
    pictures = [
        Picture(
            path=lora_result(data_format, "loss_curve.png"),
            kind="lora-finetune",
            shows=f"the lora demo's loss curve ({data_format} data), as its report draws it",
            sources=sources,
            answers=answers,
            made="outputs/tiny/reports/loss_curve.png",
        )
    ]
    # The card the demo ships beside its results, once the template ships one: the same
    # run draws it, so the retake refreshes it with the loss curve.
    if (REPOSITORY / lora_result(data_format, SOCIAL_PREVIEW)).is_file():
        pictures.append(
            Picture(
                path=lora_result(data_format, SOCIAL_PREVIEW),
                kind="lora-finetune",
                shows=f"the lora demo's results card ({data_format} data), shipped with it",
                sources=sources,
                answers=answers,
                made=f"outputs/tiny/reports/{SOCIAL_PREVIEW}",
            )
        )
    if default:
        pictures.append(
            Picture(
                path="docs/showcase/lora-finetune/card.png",
                kind="lora-finetune",
                shows="the lora demo's results card (social preview) from its report step",
                sources=sources,
                made=f"outputs/tiny/reports/{SOCIAL_PREVIEW}",
            )
        )
    return pictures


RAG_WEB = "projects/rag-chatbot/src/{{ package_name }}/{% if web_ui %}static{% endif %}"
IMG_PACKAGE = "projects/image-prompt-eval/src/{{ package_name }}"

PICTURES: list[Picture] = [
    _home("rag-chatbot"),
    _site_page(
        "rag-chatbot",
        "interview",
        "interview/",
        "rag-chatbot's site: the interview guide",
        "projects/rag-chatbot/docs/interview.md",
    ),
    Picture(
        path="projects/rag-chatbot/docs/chat-page.png",
        kind="rag-chatbot",
        shows="the chat page answering a question on the sample help centre, a citation opened",
        sources=(
            f"{RAG_WEB}/index.html",
            "projects/rag-chatbot/src/{{ package_name }}/api.py.jinja",
            "projects/rag-chatbot/rag.toml.jinja",
            "projects/rag-chatbot/data/docs",
            "projects/rag-chatbot/tests/conftest.py.jinja",
            "projects/rag-chatbot/tests/loopback.py",
            "projects/rag-chatbot/tests/{% if web_ui %}test_browser.py{% endif %}.jinja",
        ),
        made="docs/chat-page.png",
    ),
    _home("lora-finetune"),
    _site_page(
        "lora-finetune",
        "results",
        "docs/results/results/",
        "lora-finetune's site: the demo's before/after results page",
        lora_result("prompt_completion", "results.md"),
    ),
    *_lora_pictures("prompt_completion", default=True),
    *_lora_pictures("text", default=False),
    _home("image-prompt-eval"),
    _site_page(
        "image-prompt-eval",
        "results",
        "reports/report/",
        "image-prompt-eval's site: the demo study's report",
        "projects/image-prompt-eval/reports/report.md",
        "projects/image-prompt-eval/reports/figures",
    ),
    Picture(
        path="projects/image-prompt-eval/docs/rating-page.png",
        kind="image-prompt-eval",
        shows="the blinded rating page of the demo study, first task, one score chosen",
        sources=(
            f"{IMG_PACKAGE}/webapp.py",
            f"{IMG_PACKAGE}/series.py",
            f"{IMG_PACKAGE}/generate.py",
            f"{IMG_PACKAGE}/study.py",
            f"{IMG_PACKAGE}/data/demo_study.yaml",
            f"{IMG_PACKAGE}/static",
            f"{IMG_PACKAGE}/templates",
            "projects/image-prompt-eval/tests/conftest.py.jinja",
            "projects/image-prompt-eval/tests/test_browser.py.jinja",
        ),
        made="docs/rating-page.png",
    ),
]


def entry(root: Path, picture: Picture) -> dict[str, Any]:
    """The manifest's record of a picture just taken: its hash and its sources' hashes."""
    return {
        "kind": picture.kind,
        "rendered": picture.render,
        "taken_from": f"site page /{picture.page}" if picture.page is not None else picture.made,
        "shows": picture.shows,
        "sha256": sha256(root / picture.path),
        "sources": {name: sha256(root / name) for name in expand(root, picture.sources)},
    }


def write_manifest(
    root: Path,
    pictures: list[Picture],
    commit: str,
    taken: str,
    declared: list[Picture] | None = None,
) -> Path:
    """Record the pictures just taken (call it after all of them: pages show other pictures).

    Each record says which commit it was taken from and when. With `declared` (a retake of
    some kinds only, `nox -s showcase -- KIND`), the records of the other declared pictures
    are kept as they were: a picture not retaken that has gone stale stays stale.
    """
    path = root / MANIFEST
    recorded: dict[str, Any] = {}
    if declared is not None and path.is_file():
        recorded = json.loads(path.read_text(encoding="utf-8"))["pictures"]
    retaken = {
        picture.path: entry(root, picture) | {"generator_commit": commit, "taken": taken}
        for picture in pictures
    }
    order = [picture.path for picture in declared or pictures]
    manifest = {
        "retake": RETAKE,
        "generator_commit": commit,
        "taken": taken,
        "pictures": {
            name: retaken.get(name) or recorded[name]
            for name in order
            if name in retaken or name in recorded
        },
    }
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def pictures_on_disk(root: Path) -> set[str]:
    """Every PNG under the folders that hold pictures (a generated project's outputs aside)."""
    return {
        str(path.relative_to(root))
        for folder in PICTURE_FOLDERS
        for path in (root / folder).rglob("*.png")
    }


def stale(root: Path, pictures: list[Picture]) -> list[str]:
    """What is wrong with the recorded showcase, one line each; empty when it is fresh."""
    path = root / MANIFEST
    recorded = json.loads(path.read_text(encoding="utf-8"))["pictures"] if path.is_file() else {}
    problems = []
    for name in sorted(pictures_on_disk(root) - {picture.path for picture in pictures}):
        problems.append(
            f"{name}: no picture declared in harness/showcase.py takes it "
            "(declare it there with the files it shows)"
        )
    for picture in pictures:
        record = recorded.get(picture.path)
        if record is None:
            problems.append(f"{picture.path}: not in {MANIFEST} (never taken by the showcase)")
            continue
        if not (root / picture.path).is_file():
            problems.append(f"{picture.path}: missing")
        elif sha256(root / picture.path) != record["sha256"]:
            problems.append(f"{picture.path}: replaced after the showcase took it")
        try:
            now = expand(root, picture.sources)
        except MissingSourceError as error:
            problems.append(f"{picture.path}: a source is missing: {error}")
            continue
        then: dict[str, str] = record["sources"]
        for name in now:
            if name not in then:
                problems.append(f"{picture.path}: {name} feeds it now, not when it was taken")
            elif sha256(root / name) != then[name]:
                problems.append(f"{picture.path}: {name} changed after it was taken")
        problems += [
            f"{picture.path}: {name} fed it when taken, no longer"
            for name in sorted(set(then) - set(now))
        ]
    problems += [
        f"{name}: in {MANIFEST} but no longer declared"
        for name in sorted(set(recorded) - {picture.path for picture in pictures})
    ]
    return problems
