"""The Argilla dataset layout (fields, questions, metadata, vectors) as plain data.

Plain so that a conversion needs no server; `sdk.py` turns it into `rg.Settings`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from distilabel_cli.dataset.argilla.metrics import Metric
from distilabel_cli.errors import DistilError

DEFAULT_VECTOR_FIELDS = 5


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    kind: Literal["rating", "text"]
    required: bool
    description: str = ""
    values: tuple[int, ...] = ()


@dataclass(frozen=True)
class MetadataProperty:
    name: str
    title: str
    kind: Literal["terms", "integer", "float"]


@dataclass(frozen=True)
class Vector:
    name: str
    title: str
    dimensions: int


@dataclass
class Layout:
    """Text fields (name -> title), questions, metadata properties, vectors, guidelines."""

    fields: dict[str, str]
    questions: list[Question] = field(default_factory=list)
    metadata: list[MetadataProperty] = field(default_factory=list)
    vectors: list[Vector] = field(default_factory=list)
    guidelines: str = ""
    #: Text fields that get vectors and metrics.
    described: list[str] = field(default_factory=list)

    def names(self) -> dict[str, set[str]]:
        """Names by kind, to compare with an existing dataset."""
        return {
            "fields": set(self.fields),
            "questions": {q.name for q in self.questions},
            "metadata": {m.name for m in self.metadata},
            "vectors": {v.name for v in self.vectors},
        }


def field_name(column: str) -> str:
    """An Argilla-safe name: lowercase letters, digits, `_` and `-`."""
    return re.sub(r"[^a-z0-9_-]+", "_", column.lower()).strip("_") or "field"


def generation_field(i: int) -> str:
    """Field of the i-th generation (1-based)."""
    return f"generation-{i}"


def choose_described(fields: dict[str, str], dataset_columns: list[str] | None) -> list[str]:
    """Fields for vectors and metrics: the first five, or those named (field or column names)."""
    if dataset_columns is None:
        return list(fields)[:DEFAULT_VECTOR_FIELDS]
    chosen: list[str] = []
    for name in dataset_columns:
        if name == "generations":
            matches = [f for f in fields if f.startswith("generation-")]
        elif name == "instructions":
            matches = [f for f in fields if f == "instruction"]
        else:
            matches = [f for f in fields if f == field_name(name)]
        if not matches:
            raise DistilError(
                f"dataset_columns: {name!r} is not a text field; expected one of "
                f"{', '.join(['generations', *fields])}"
            )
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def metric_properties(fields: dict[str, str], metrics: Any) -> list[MetadataProperty]:
    """One property per text field and metric."""
    chosen: list[Metric] = list(metrics.metrics)
    return [
        MetadataProperty(f"{f}-{m.name}", f"{title} {m.title}", m.kind)
        for f, title in fields.items()
        for m in chosen
    ]
