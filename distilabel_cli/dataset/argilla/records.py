"""Dataset rows -> Argilla records (plain data): fields, metadata, AI suggestions."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.dataset.argilla.families import TaskFamily
from distilabel_cli.dataset.argilla.layout import field_name, generation_field

#: Extra (non-filter) metadata key holding the whole row as JSON, for `pull`.
ROW_KEY = "distil_row"
NO_TEXT = "(no response)"
DEFAULT_AGENT = "ai-judge"


@dataclass
class RecordData:
    """One record: id, text fields, metadata, suggestions (question -> value) and vectors."""

    id: str
    fields: dict[str, str]
    metadata: dict[str, Any]
    suggestions: dict[str, Any] = field(default_factory=dict)
    agent: str | None = None
    vectors: dict[str, list[float]] = field(default_factory=dict)


def as_text(value: Any) -> str:
    """A field value: text as is, other values as JSON, empty ones as a placeholder."""
    if value is None:
        return NO_TEXT
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if text.strip() else NO_TEXT


def row_key(row: dict[str, Any], family: TaskFamily, index: int) -> str:
    """Stable record id: a digest of what the reviewer sees, plus the row index."""
    response = (family.response,) if family.response not in (None, "generations") else ()
    shown = [row.get(c) for c in (*family.inputs, "generations", "instructions", *response)]
    digest = hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()[:16]
    return f"{digest}-{index}"


def number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def rating_distance(ratings: list[float | None]) -> float | None:
    """Best minus second-best rating (None with fewer than two ratings)."""
    valid = sorted((r for r in ratings if r is not None), reverse=True)
    return valid[0] - valid[1] if len(valid) >= 2 else None


def suggested_rating(value: float | None, scale: tuple[int, int]) -> int | None:
    if value is None:
        return None
    return min(max(round(value), scale[0]), scale[1])


def build_records(
    rows: list[dict[str, Any]], family: TaskFamily, n: int, columns: set[str]
) -> list[RecordData]:
    """Records of every row (instruction datasets: one per instruction)."""
    records: list[RecordData] = []
    for index, row in enumerate(rows):
        if family.kind == "instructions":
            from distilabel_cli.dataset.argilla.instructions import instruction_records

            records += instruction_records(row, family, row_key(row, family, index))
        elif family.kind == "critique":
            from distilabel_cli.dataset.argilla.critique import critique_record

            records.append(critique_record(row, family, row_key(row, family, index)))
        else:
            records.append(_generation_record(row, family, n, columns, index))
    return records


def base_record(row: dict[str, Any], family: TaskFamily) -> tuple[dict[str, str], dict[str, Any]]:
    """Input fields, their lengths, the row itself and the labelling model."""
    fields = {field_name(c): as_text(row.get(c)) for c in family.inputs}
    metadata: dict[str, Any] = {f"{f}-length": len(text) for f, text in fields.items()}
    metadata[ROW_KEY] = json.dumps(row, ensure_ascii=False, default=str)
    if row.get("labelling_model"):
        metadata["labelling-model"] = str(row["labelling_model"])
    return fields, metadata


def _generation_record(
    row: dict[str, Any], family: TaskFamily, n: int, columns: set[str], index: int
) -> RecordData:
    fields, metadata = base_record(row, family)
    generations = list(row.get("generations") or [])
    models = row.get("generation_model")
    for i in range(1, n + 1):
        text = as_text(generations[i - 1] if i <= len(generations) else None)
        fields[generation_field(i)] = text
        metadata[f"{generation_field(i)}-length"] = len(text) if text != NO_TEXT else 0
        if isinstance(models, list) and i <= len(models) and models[i - 1]:
            metadata[f"{generation_field(i)}-model"] = str(models[i - 1])
        elif isinstance(models, str) and models:
            metadata[f"{generation_field(i)}-model"] = models
    record = RecordData(row_key(row, family, index), fields, metadata)
    if family.labelled:
        _add_ai_labels(record, row, family, n)
    return record


def _add_ai_labels(record: RecordData, row: dict[str, Any], family: TaskFamily, n: int) -> None:
    """The judge's ratings and rationales as suggestions; ratings and their gap as metadata."""
    raw = row.get("rating")
    ratings = [number(r) for r in raw] if isinstance(raw, list) else []
    ratings = (ratings + [None] * n)[:n]
    record.agent = str(row.get("labelling_model") or DEFAULT_AGENT)
    for i, rating in enumerate(ratings, start=1):
        if rating is not None:
            record.metadata[f"{generation_field(i)}-ai-rating"] = rating
            record.suggestions[f"rating-{i}"] = suggested_rating(rating, family.scale)
    record.metadata["rating-distance"] = rating_distance(ratings)
    rationale = row.get("rationale")
    if family.rationale == "single" and isinstance(rationale, str) and rationale.strip():
        record.suggestions["rationale"] = rationale
    elif family.rationale == "per_generation" and isinstance(rationale, list):
        for i, text in enumerate(rationale[:n], start=1):
            if isinstance(text, str) and text.strip():
                record.suggestions[f"rationale-{i}"] = text
