"""Turn the ratings database into the exchange files (and a full JSONL log)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Study
from .exchange import (
    ATTENTION_COLUMNS,
    ITEM_COLUMNS,
    LIKERT_COLUMNS,
    PAIRWISE_COLUMNS,
    AttentionResult,
    LikertRating,
    PairVote,
    as_rows,
    write_csv,
    write_jsonl,
)
from .generate import Workspace
from .manifest import Manifest
from .series import read_prompts
from .store import RatingStore


@dataclass(frozen=True)
class Exported:
    """The files `export` wrote, by role."""

    likert: Path
    pairwise: Path | None
    items: Path
    attention: Path
    log: Path
    raters: Path


def likert_ratings(rows: list[dict[str, Any]]) -> list[LikertRating]:
    """The study's real ratings: attention-check screens are left out."""
    return [
        LikertRating(
            row["rater_id"], row["item_id"], row["criterion"], row["score"], row["response_ms"]
        )
        for row in rows
        if not row["check_kind"]
    ]


def pair_votes(rows: list[dict[str, Any]]) -> list[PairVote]:
    """Votes in the exchange shape: system_a is whichever image the rater saw on the left."""
    votes = []
    for row in rows:
        prompt_key, system_a = row["left_item"].rsplit("@", 1)
        system_b = row["right_item"].rsplit("@", 1)[1]
        winner = {"left": "a", "right": "b", "tie": "tie"}[row["choice"]]
        votes.append(
            PairVote(
                row["rater_id"],
                prompt_key.rsplit("-s", 1)[0],
                system_a,
                system_b,
                winner,
                row["response_ms"],
            )
        )
    return votes


def attention_results(rows: list[dict[str, Any]], study: Study) -> list[AttentionResult]:
    """Pass or fail for every attention-check screen.

    Gold: the mismatched prompt's alignment is scored at most `gold_max_score`.
    Repeat: every criterion is within one point of the first answer.
    """
    attention = study.rating.attention
    scores = {(r["rater_id"], r["position"], r["criterion"]): r["score"] for r in rows}
    results = []
    seen: set[tuple[str, int]] = set()
    for row in rows:
        key = (row["rater_id"], row["position"])
        if row["check_kind"] not in ("gold", "repeat") or key in seen:
            continue
        seen.add(key)
        if row["check_kind"] == "gold":
            score = scores.get((*key, attention.gold_criterion))
            passed = score is not None and score <= attention.gold_max_score
        else:
            pairs = [
                (score, scores.get((row["rater_id"], row["repeat_of"], criterion)))
                for (rater, position, criterion), score in scores.items()
                if (rater, position) == key
            ]
            passed = all(first is not None and abs(score - first) <= 1 for score, first in pairs)
        results.append(AttentionResult(row["rater_id"], row["check_kind"], row["item_id"], passed))
    return results


RATER_COLUMNS = ["rater_id", "participant_id", "study_id", "session_id", "done", "total"]


def rater_rows(store: RatingStore) -> list[dict[str, Any]]:
    """Each rater's progress and platform ids, to approve or reject crowd submissions."""
    enrolled = store.enrolments()
    rows = []
    for progress in store.progress():
        enrolment = enrolled.get(progress.rater_id)
        rows.append(
            {
                "rater_id": progress.rater_id,
                "participant_id": enrolment.participant_id if enrolment else "",
                "study_id": enrolment.study_id if enrolment else "",
                "session_id": enrolment.session_id if enrolment else "",
                "done": progress.done,
                "total": progress.total,
            }
        )
    return rows


def export(study: Study, workspace: Workspace, out: Path) -> Exported:
    store = RatingStore(workspace.ratings)
    likert_rows = store.likert_rows()
    pairwise_rows = store.pairwise_rows()
    prompts = {prompt.key: prompt for prompt in read_prompts(workspace.prompts)}
    factors = list(study.series.factors)
    items = []
    for record in Manifest(workspace.manifest).records():
        prompt = prompts.get(f"{record.prompt_id}-s{record.seed}")
        levels = prompt.levels if prompt else {}
        items.append(
            {
                **levels,
                "item_id": record.item_id,
                "prompt_id": record.prompt_id,
                "seed": record.seed,
                "system": record.system,
            }
        )
    paths = Exported(
        likert=out / "likert.csv",
        pairwise=out / "pairwise.csv" if study.rating.pairwise else None,
        items=out / "items.csv",
        attention=out / "attention.csv",
        log=out / "ratings.jsonl",
        raters=out / "raters.csv",
    )
    write_csv(paths.likert, LIKERT_COLUMNS, as_rows(likert_ratings(likert_rows)))
    if paths.pairwise is not None:
        write_csv(paths.pairwise, PAIRWISE_COLUMNS, as_rows(pair_votes(pairwise_rows)))
    write_csv(paths.items, [*ITEM_COLUMNS, *factors], items)
    write_csv(paths.attention, ATTENTION_COLUMNS, as_rows(attention_results(likert_rows, study)))
    write_csv(paths.raters, RATER_COLUMNS, rater_rows(store))
    seeds = {rater.rater_id: rater.order_seed for rater in store.raters()}
    log = [{**row, "type": "likert", "order_seed": seeds[row["rater_id"]]} for row in likert_rows]
    log += [
        {**row, "type": "pairwise", "order_seed": seeds[row["rater_id"]]} for row in pairwise_rows
    ]
    write_jsonl(paths.log, log)
    return paths
