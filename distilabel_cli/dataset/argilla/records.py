"""Argilla records as plain data (fields, metadata, suggestions, vectors) and their values."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.columns import LABELLING_MODEL

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

    def show_response(self, name: str, value: Any, model: Any = None) -> None:
        """Field `name` with a response, its length and (when known) the model that wrote it."""
        text = as_text(value)
        self.fields[name] = text
        self.metadata[f"{name}-length"] = len(text) if text != NO_TEXT else 0
        if model:
            self.metadata[f"{name}-model"] = str(model)


def as_text(value: Any) -> str:
    """A field value: text as is, other values as JSON, empty ones as a placeholder."""
    if value is None:
        return NO_TEXT
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if text.strip() else NO_TEXT


def number(value: Any) -> float | None:
    """A finite number as float, else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def suggested_rating(value: float | None, scale: tuple[int, int]) -> int | None:
    """A judge's value rounded into the question's scale."""
    if value is None:
        return None
    return min(max(round(value), scale[0]), scale[1])


def agent_of(row: dict[str, Any]) -> str:
    """Who made a row's suggestions: its labelling model."""
    return str(row.get(LABELLING_MODEL) or DEFAULT_AGENT)
