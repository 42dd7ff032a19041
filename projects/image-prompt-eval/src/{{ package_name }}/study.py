"""Open a study for rating: build every rater's task list once, from the generated images."""

from __future__ import annotations

from .config import Study
from .errors import EvalError
from .generate import Workspace
from .manifest import Manifest
from .plan import build_plan, extra_rater_tasks, study_units
from .series import read_prompts
from .store import Enrolment, Rater, RatingStore


def open_study(study: Study, workspace: Workspace) -> RatingStore:
    """The study's rating store, with raters and tasks created on first use.

    The plan is fixed when the first rater joins: regenerating images later must not
    reshuffle what raters already saw, so a set-up database is left as it is.
    """
    store = RatingStore(workspace.ratings)
    if store.initialised():
        planned = store.meta("criteria")
        if planned != study.criterion_ids:
            raise EvalError(
                f"{workspace.ratings} was set up for criteria {', '.join(planned)}, but the "
                f"study now asks {', '.join(study.criterion_ids)}: restore the criteria, or "
                "start a new study with another --workdir"
            )
        return store
    if not workspace.prompts.is_file() or not workspace.manifest.is_file():
        raise EvalError(
            f"{workspace.root} has no prompts or images yet: run `expand` and `generate` first"
        )
    prompts = read_prompts(workspace.prompts)
    records = Manifest(workspace.manifest).records()
    if not records:
        raise EvalError(f"{workspace.manifest} lists no images: run `generate` first")
    plans = build_plan(study, records, prompts)
    meta = {"study": study.name, "seed": study.seed, "criteria": study.criterion_ids}
    store.initialise(study.seed, plans, meta)
    return store


def add_rater(
    study: Study,
    workspace: Workspace,
    store: RatingStore,
    enrolment: Enrolment | None = None,
    cap: int | None = None,
) -> Rater:
    """One more rater for a running study, given the least-covered items and pairs.

    With an enrolment whose participant is already known, that participant's
    rater comes back instead, so opening the study link twice is harmless. `cap`
    bounds raters of the same kind (joined by link, or added), as `RatingStore.add_rater`.
    """
    prompts = read_prompts(workspace.prompts)
    units = study_units(study, Manifest(workspace.manifest).records(), prompts)
    return store.add_rater(
        lambda rater_id, coverage: extra_rater_tasks(study, prompts, units, rater_id, coverage),
        enrolment,
        cap,
    )
