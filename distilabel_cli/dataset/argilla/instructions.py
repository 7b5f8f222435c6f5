"""Instruction datasets (self-instruct, evol): one record per instruction, and back.

`instructions` is a list per row, or a list per generation (list of lists); both round-trip.
Pulling puts rewritten instructions in `instructions` (discarded ones dropped), the mean
rating in `instruction_rating` and the originals in `ai_instructions`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distilabel_cli.dataset.argilla import reviews as rv
from distilabel_cli.dataset.argilla.family import Pulled, TaskFamily
from distilabel_cli.dataset.argilla.layout import MetadataProperty, Question
from distilabel_cli.dataset.argilla.records import ROW_KEY, RecordData, as_text

if TYPE_CHECKING:
    from datasets import Features

INSTRUCTION = "instruction"
RATING, EDIT = "instruction-rating", "instruction-edit"


def flatten(value: Any) -> list[tuple[int | None, Any]]:
    """(generation index or None, instruction) for a flat or per-generation list."""
    items = list(value or [])
    if any(isinstance(x, list) for x in items):
        return [(g, x) for g, sub in enumerate(items) for x in (sub or [])]
    return [(None, x) for x in items]


@dataclass(frozen=True)
class InstructionFamily(TaskFamily):
    """`instructions`: the reviewer rates each generated instruction and may rewrite it."""

    kind = "instructions"
    claims = frozenset({"instructions"})

    def response_fields(self, n: int) -> dict[str, str]:
        return {INSTRUCTION: "Instruction"}

    def questions(self, n: int, agent: str | None) -> list[Question]:
        low, high = self.scale
        scale = f"{low} (worst) to {high} (best)."
        return [
            Question(RATING, "Rate the instruction", "rating", True, scale, self.scale_values()),
            Question(
                EDIT,
                "Rewrite the instruction (optional)",
                "text",
                False,
                "Leave empty to keep it as it is.",
            ),
        ]

    def guidelines(self, task: Any, agent: str | None) -> str:
        low, high = self.scale
        return (
            f"Rate each generated instruction from {low} (useless) to {high} (clear, useful, "
            "answerable). Rewrite it if a small edit makes it good; discard the record if it "
            "should be dropped."
        )

    def model_properties(self, n: int) -> list[MetadataProperty]:
        return []  # the record shows no generation

    def records(self, row: dict[str, Any], index: int, n: int) -> list[RecordData]:
        """Records `KEY-1`, `KEY-2`, ... one per instruction of the row."""
        key = self.record_id(row, index)
        records = []
        for j, (_, instruction) in enumerate(flatten(row.get("instructions")), start=1):
            record = self.new_record(row, f"{key}-{j}")
            record.fields[INSTRUCTION] = as_text(instruction)
            record.metadata[f"{INSTRUCTION}-length"] = len(instruction or "")
            records.append(record)
        return records

    def read_reviews(
        self, records: list[Pulled], features: Features
    ) -> tuple[list[dict[str, Any]], Features]:
        """Regroup records into rows: edits replace instructions, discarded ones are dropped."""
        from datasets import Features, List, Value

        groups: dict[str, list[tuple[int, dict[str, Any], rv.Reviews]]] = defaultdict(list)
        for record_id, metadata, reviews in records:
            key, _, j = record_id.rpartition("-")
            groups[key].append((int(j), metadata, reviews))
        rows = [self._row(items) for items in groups.values()]
        nested = any(isinstance(x, list) for row in rows for x in row["ai_instructions"] or [])
        rating = List(List(Value("float64"))) if nested else List(Value("float64"))
        added = {
            "ai_instructions": features["instructions"],
            "instruction_rating": rating,
            "reviewed": Value("bool"),
        }
        return rows, Features({**features, **added})

    @staticmethod
    def _row(items: list[tuple[int, dict[str, Any], rv.Reviews]]) -> dict[str, Any]:
        """One row from the records of its instructions."""
        row = json.loads(items[0][1][ROW_KEY])
        original = row.get("instructions") or []
        flat = flatten(original)
        kept: dict[int | None, list[Any]] = defaultdict(list)
        ratings: dict[int | None, list[float | None]] = defaultdict(list)
        reviewed = False
        for j, _, reviews in sorted(items, key=lambda item: item[0]):
            answers = rv.submitted(reviews)
            reviewed = reviewed or bool(answers) or rv.discarded(reviews)
            if rv.discarded(reviews) or j > len(flat):
                continue
            generation, text = flat[j - 1]
            kept[generation].append(rv.joined([a.get(EDIT) for a in answers]) or text)
            ratings[generation].append(rv.mean([a.get(RATING) for a in answers]))
        if any(g is not None for g, _ in flat):
            row["instructions"] = [kept[g] for g in range(len(original))]
            row["instruction_rating"] = [ratings[g] for g in range(len(original))]
        else:
            row["instructions"], row["instruction_rating"] = kept[None], ratings[None]
        row.update(ai_instructions=original, reviewed=reviewed)
        return row
