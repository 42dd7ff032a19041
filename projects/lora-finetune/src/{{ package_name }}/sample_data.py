"""Synthetic sample data: fictional terse clinical notes and their plain-language rewrites.

Every note is assembled from the phrase tables below by a seeded random generator, so the
same seed always gives the same files. No record describes a real person: there are no
names, dates or identifiers, and the combinations are random.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import DataFormat

INSTRUCTION = "Rewrite this clinical note in plain language for the patient."
SPLIT_SIZES = {"train": 320, "validation": 40, "test": 40}

# (terse form, plain form) pairs; the plain form completes "You ..." sentences.
COMPLAINTS = [
    ("c/o SOB", "have been short of breath"),
    ("c/o CP", "have had chest pain"),
    ("c/o HA", "have had headaches"),
    ("c/o N/V", "have felt sick and have been vomiting"),
    ("c/o abd pain", "have had pain in your belly"),
    ("c/o dizziness", "have felt dizzy"),
    ("c/o cough", "have had a cough"),
    ("c/o fatigue", "have felt very tired"),
    ("c/o LBP", "have had lower back pain"),
    ("c/o rash", "have had a skin rash"),
    ("c/o palpitations", "have felt your heart racing"),
    ("c/o dysuria", "have had pain when passing urine"),
]
DURATIONS = [
    ("x1d", "for 1 day"),
    ("x2d", "for 2 days"),
    ("x3d", "for 3 days"),
    ("x5d", "for 5 days"),
    ("x1wk", "for 1 week"),
    ("x2wk", "for 2 weeks"),
    ("x1mo", "for 1 month"),
]
HISTORY = [
    ("HTN", "high blood pressure"),
    ("T2DM", "type 2 diabetes"),
    ("asthma", "asthma"),
    ("COPD", "a long-term lung disease (COPD)"),
    ("CKD", "long-term kidney disease"),
    ("hyperlipidemia", "high cholesterol"),
    ("GERD", "acid reflux"),
    ("hypothyroidism", "an underactive thyroid"),
    ("AFib", "an irregular heartbeat (atrial fibrillation)"),
    ("OA", "wear-and-tear arthritis"),
]
FINDINGS = [
    ("BP {sys}/{dia}", "Your blood pressure today was {sys}/{dia}."),
    ("HR {hr}", "Your heart rate today was {hr} beats a minute."),
    ("T {temp}C", "Your temperature today was {temp} degrees Celsius."),
    ("SpO2 {spo2}% RA", "The oxygen level in your blood was {spo2}% on room air."),
    ("lungs CTAB", "Your lungs sounded clear."),
    ("abd soft NT", "Your belly was soft and not tender."),
]
PLANS = [
    ("start lisinopril 10mg PO QD", "start lisinopril 10 mg by mouth once a day"),
    ("start metformin 500mg PO BID", "start metformin 500 mg by mouth twice a day"),
    ("albuterol inh PRN", "use your albuterol inhaler when you need it"),
    ("ibuprofen 400mg PO q8h PRN", "take ibuprofen 400 mg by mouth every 8 hours if needed"),
    ("CBC, BMP", "do blood tests for your blood counts and body chemistry"),
    ("ECG", "do a heart tracing (ECG)"),
    ("CXR", "take a chest X-ray"),
    ("UA", "test a urine sample"),
    ("push PO fluids", "drink plenty of fluids"),
    ("cont current meds", "keep taking your current medicines"),
    ("d/c NSAIDs", "stop taking anti-inflammatory painkillers such as ibuprofen"),
]
FOLLOW_UPS = [
    ("f/u 1wk", "see you again in 1 week"),
    ("f/u 2wk", "see you again in 2 weeks"),
    ("f/u 1mo", "see you again in 1 month"),
    ("f/u PRN", "see you again if things do not get better"),
    ("RTC if worse", "come back if you feel worse"),
]
SEXES = [("M", "man"), ("F", "woman")]


@dataclass(frozen=True)
class Example:
    """One fictional note and its rewrite."""

    note: str
    plain: str

    @property
    def prompt(self) -> str:
        return f"{INSTRUCTION}\nNote: {self.note}"


def _fill(template: str, values: dict[str, int | float]) -> str:
    return template.format(**values)


def make_example(rng: random.Random) -> Example:
    """Draw one note: patient, complaint, history, a finding, a plan and a follow-up."""
    age = rng.randint(19, 88)
    sex, person = rng.choice(SEXES)
    complaint, complaint_plain = rng.choice(COMPLAINTS)
    duration, duration_plain = rng.choice(DURATIONS)
    history = rng.sample(HISTORY, rng.randint(0, 2))
    finding, finding_plain = rng.choice(FINDINGS)
    plans = rng.sample(PLANS, rng.randint(1, 2))
    follow_up, follow_up_plain = rng.choice(FOLLOW_UPS)
    values: dict[str, int | float] = {
        "sys": rng.randint(100, 170),
        "dia": rng.randint(60, 105),
        "hr": rng.randint(55, 120),
        "temp": round(rng.uniform(36.2, 39.4), 1),
        "spo2": rng.randint(90, 99),
    }

    note_parts = [f"{age}{sex} {complaint} {duration}."]
    plain_parts = [f"You are a {age}-year-old {person}. You {complaint_plain} {duration_plain}."]
    if history:
        note_parts.append("Hx " + ", ".join(term for term, _ in history) + ".")
        plain_parts.append("You have " + " and ".join(text for _, text in history) + ".")
    note_parts.append(_fill(finding, values) + ".")
    plain_parts.append(_fill(finding_plain, values))
    note_parts.append("Plan: " + ", ".join(term for term, _ in plans) + f", {follow_up}.")
    steps = [text for _, text in plans] + [follow_up_plain]
    plain_parts.append("The plan is to " + ", ".join(steps[:-1]) + f", and {steps[-1]}.")
    return Example(note=" ".join(note_parts), plain=" ".join(plain_parts))


def make_splits(seed: int = 0) -> dict[str, list[Example]]:
    """The train/validation/test splits, with no note appearing in two splits."""
    rng = random.Random(seed)
    seen: set[str] = set()
    examples: list[Example] = []
    total = sum(SPLIT_SIZES.values())
    while len(examples) < total:
        example = make_example(rng)
        if example.note not in seen:
            seen.add(example.note)
            examples.append(example)
    splits: dict[str, list[Example]] = {}
    start = 0
    for name, size in SPLIT_SIZES.items():
        splits[name] = examples[start : start + size]
        start += size
    return splits


def _records(examples: list[Example], data_format: DataFormat) -> Iterator[str]:
    for example in examples:
        if data_format == "prompt_completion":
            yield json.dumps({"prompt": example.prompt, "completion": example.plain})
        elif data_format == "messages":
            messages = [
                {"role": "user", "content": example.prompt},
                {"role": "assistant", "content": example.plain},
            ]
            yield json.dumps({"messages": messages})
        else:
            yield f"Clinical note: {example.note}\nIn plain language: {example.plain}"


def file_suffix(data_format: DataFormat) -> str:
    return ".txt" if data_format == "text" else ".jsonl"


def write_sample_data(directory: Path, data_format: DataFormat, seed: int = 0) -> list[Path]:
    """Write train/validation/test files in `data_format`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    separator = "\n\n" if data_format == "text" else "\n"
    written = []
    for name, examples in make_splits(seed).items():
        path = directory / f"{name}{file_suffix(data_format)}"
        path.write_text(separator.join(_records(examples, data_format)) + "\n", encoding="utf-8")
        written.append(path)
    return written
