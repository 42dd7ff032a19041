"""The study configuration (study.yaml): series, systems and rating design, validated."""

from __future__ import annotations

from pathlib import Path
from string import Formatter
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import SpecError
from .yamlpos import describe


class Strict(BaseModel):
    """A config section that rejects unknown keys, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SeriesSpec(Strict):
    """A prompt series: templates with `{slot}`s filled from the levels of each factor."""

    templates: list[str] = Field(min_length=1)
    factors: dict[str, Annotated[list[str], Field(min_length=1)]] = Field(min_length=1)
    seeds: int | list[int] = 1
    design: Literal["full", "sampled"] = "full"
    sample_size: int | None = Field(default=None, ge=1)

    @field_validator("seeds")
    @classmethod
    def _some_seeds(cls, seeds: int | list[int]) -> int | list[int]:
        if (isinstance(seeds, int) and seeds < 1) or (isinstance(seeds, list) and not seeds):
            raise ValueError("give a number of seeds per prompt (1 or more) or a list of seeds")
        return seeds


class SystemSpec(Strict):
    """One image generator under test: a name raters never see, a backend and its options."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    backend: Literal["procedural", "diffusers", "openai"]
    model: str = ""
    options: dict[str, Any] = Field(default_factory=dict)


class Criterion(Strict):
    """A Likert criterion with a written anchor for each score 1-5."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    question: str
    anchors: dict[int, str]

    @field_validator("anchors")
    @classmethod
    def _five_anchors(cls, anchors: dict[int, str]) -> dict[int, str]:
        if sorted(anchors) != [1, 2, 3, 4, 5]:
            raise ValueError("anchors must give a text for each score 1, 2, 3, 4 and 5")
        return anchors


class AttentionSpec(Strict):
    """Attention checks mixed into each rater's Likert tasks."""

    repeats: int = Field(default=2, ge=0)
    gold: int = Field(default=2, ge=0)
    gold_criterion: str = "prompt_alignment"
    gold_max_score: int = Field(default=2, ge=1, le=5)


class CrowdSpec(Strict):
    """Screens for crowd studies (Prolific and the like), and open enrolment.

    With consent or instructions set, a rater sees them before the first rating;
    practice screens come next and are stored flagged, never analysed as ratings.
    """

    consent: str = ""
    instructions: str = ""
    practice: int = Field(default=0, ge=0, le=20)
    completion_code: str = Field(default="", pattern=r"^[A-Za-z0-9_-]{0,64}$")
    completion_url: str = Field(default="", pattern=r"^(https://\S+)?$")
    open_enrolment: bool = False
    # Raters the study link enrols; planned and admin-added raters are not counted.
    max_raters: int = Field(default=500, ge=1, le=100_000)
    # New participants the study link admits per minute (returning ones always get in).
    joins_per_minute: int = Field(default=30, ge=1, le=10_000)


class RatingSpec(Strict):
    """How the human study is laid out."""

    raters: int = Field(default=5, ge=1)
    raters_per_item: int = Field(default=3, ge=1)
    pairwise: bool = True
    criteria: list[Criterion] = Field(min_length=1)
    attention: AttentionSpec = AttentionSpec()
    crowd: CrowdSpec = CrowdSpec()
    # Raters the admin page may add to the running study (`add-raters` is not capped).
    max_added_raters: int = Field(default=100, ge=0, le=100_000)


class Study(Strict):
    """Everything a study needs, read from one YAML file."""

    name: str
    seed: int = 0
    image_size: int = Field(default=256, ge=32, le=2048)
    series: SeriesSpec
    systems: list[SystemSpec] = Field(min_length=1)
    rating: RatingSpec

    @property
    def criterion_ids(self) -> list[str]:
        return [criterion.id for criterion in self.rating.criteria]

    def system(self, name: str) -> SystemSpec:
        for system in self.systems:
            if system.name == name:
                return system
        raise KeyError(name)


def template_slots(template: str) -> list[str]:
    """The `{slot}` names a template uses, in order (raises ValueError on broken braces)."""
    return [field for _, field, _, _ in Formatter().parse(template) if field is not None]


def load_study(path: Path) -> Study:
    """Read and validate a study file; any problem is a SpecError naming file, line and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from exc
    return parse_study(text, str(path))


def parse_study(text: str, source: str = "<study>") -> Study:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: expected a mapping at the top level")
    try:
        study = Study.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise SpecError(f"{describe(source, text, loc)}: {first['msg']}") from exc
    _check_consistency(study, text, source)
    return study


def _check_consistency(study: Study, text: str, source: str) -> None:
    """Rules that span fields; each error points at the offending key."""
    loc: tuple[str | int, ...]
    names = [system.name for system in study.systems]
    for index, name in enumerate(names):
        if names.index(name) != index:
            loc = ("systems", index, "name")
            raise SpecError(f"{describe(source, text, loc)}: duplicate system name '{name}'")
    ids = study.criterion_ids
    for index, criterion in enumerate(ids):
        if ids.index(criterion) != index:
            loc = ("rating", "criteria", index, "id")
            raise SpecError(f"{describe(source, text, loc)}: duplicate criterion '{criterion}'")
    attention = study.rating.attention
    if attention.gold and attention.gold_criterion not in ids:
        loc = ("rating", "attention", "gold_criterion")
        raise SpecError(
            f"{describe(source, text, loc)}: '{attention.gold_criterion}' is not one of the "
            f"criteria ({', '.join(ids)})"
        )
    if study.rating.raters_per_item > study.rating.raters:
        loc = ("rating", "raters_per_item")
        raise SpecError(
            f"{describe(source, text, loc)}: {study.rating.raters_per_item} raters per item "
            f"needs at least that many raters (rating.raters is {study.rating.raters})"
        )
    for index, template in enumerate(study.series.templates):
        loc = ("series", "templates", index)
        try:
            slots = template_slots(template)
        except ValueError as exc:
            raise SpecError(f"{describe(source, text, loc)}: malformed template: {exc}") from exc
        if unknown := sorted(set(slots) - set(study.series.factors)):
            slot = "{" + unknown[0] + "}"
            raise SpecError(
                f"{describe(source, text, loc)}: unknown slot {slot} "
                f"(factors are: {', '.join(study.series.factors)})"
            )
    series = study.series
    if series.design == "sampled" and series.sample_size is None:
        loc = ("series", "design")
        raise SpecError(f"{describe(source, text, loc)}: a sampled design needs sample_size")
