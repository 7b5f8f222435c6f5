"""Instruction datasets (self-instruct, evol): one record per instruction, and back.

`instructions` is a list per row, or a list per generation (list of lists); both round-trip.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from datasets import Features, List, Value

from distilabel_cli.dataset.argilla import reviews as rv
from distilabel_cli.dataset.argilla.families import TaskFamily
from distilabel_cli.dataset.argilla.records import ROW_KEY, RecordData, as_text, base_record


def flatten(value: Any) -> list[tuple[int | None, Any]]:
    """(generation index or None, instruction) for a flat or per-generation list."""
    items = list(value or [])
    if any(isinstance(x, list) for x in items):
        return [(g, x) for g, sub in enumerate(items) for x in (sub or [])]
    return [(None, x) for x in items]


def instruction_records(row: dict[str, Any], family: TaskFamily, key: str) -> list[RecordData]:
    """Records `KEY-1`, `KEY-2`, ... one per instruction of the row."""
    records = []
    for j, (_, instruction) in enumerate(flatten(row.get("instructions")), start=1):
        fields, metadata = base_record(row, family)
        fields["instruction"] = as_text(instruction)
        metadata["instruction-length"] = len(instruction or "")
        records.append(RecordData(f"{key}-{j}", fields, metadata))
    return records


def instruction_rows(
    records: list[tuple[str, dict[str, Any], rv.Reviews]], features: Features
) -> tuple[list[dict[str, Any]], Features]:
    """Regroup records into rows: edits replace instructions, discarded ones are dropped."""
    groups: dict[str, list[tuple[int, dict[str, Any], rv.Reviews]]] = defaultdict(list)
    for record_id, metadata, reviews in records:
        key, _, j = record_id.rpartition("-")
        groups[key].append((int(j), metadata, reviews))
    out = []
    nested = False
    for items in groups.values():
        row = json.loads(items[0][1][ROW_KEY])
        original = row.get("instructions") or []
        flat = flatten(original)
        nested = nested or any(g is not None for g, _ in flat)
        kept: dict[int | None, list[Any]] = defaultdict(list)
        ratings: dict[int | None, list[float | None]] = defaultdict(list)
        reviewed = False
        for j, _, reviews in sorted(items, key=lambda item: item[0]):
            answers = rv.submitted(reviews)
            reviewed = reviewed or bool(answers) or rv.discarded(reviews)
            if rv.discarded(reviews) or j > len(flat):
                continue
            generation, text = flat[j - 1]
            kept[generation].append(rv.joined([a.get("instruction-edit") for a in answers]) or text)
            ratings[generation].append(rv.mean([a.get("instruction-rating") for a in answers]))
        if any(g is not None for g, _ in flat):
            row["instructions"] = [kept[g] for g in range(len(original))]
            row["instruction_rating"] = [ratings[g] for g in range(len(original))]
        else:
            row["instructions"], row["instruction_rating"] = kept[None], ratings[None]
        row.update(ai_instructions=original, reviewed=reviewed)
        out.append(row)
    rating = List(List(Value("float64"))) if nested else List(Value("float64"))
    added = {
        "ai_instructions": features["instructions"],
        "instruction_rating": rating,
        "reviewed": Value("bool"),
    }
    return out, Features({**features, **added})
