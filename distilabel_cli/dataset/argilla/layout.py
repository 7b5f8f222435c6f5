"""The Argilla dataset layout (fields, questions, metadata, vectors) as plain data.

Plain so that a conversion needs no server; `sdk.py` turns it into `rg.Settings`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from distilabel_cli.dataset.argilla.families import TaskFamily
from distilabel_cli.dataset.argilla.metrics import Metric

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


def text_fields(family: TaskFamily, n: int) -> dict[str, str]:
    """The record's text fields, name -> title, in display order."""
    fields = {field_name(c): c.replace("_", " ").capitalize() for c in family.inputs}
    if family.kind == "instructions":
        fields["instruction"] = "Instruction"
    elif family.kind == "critique":
        fields[generation_field(1)] = "Response"
    else:
        fields.update({generation_field(i): f"Generation {i}" for i in range(1, n + 1)})
    return fields


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
            from distilabel_cli.errors import DistilError

            raise DistilError(
                f"dataset_columns: {name!r} is not a text field; expected one of "
                f"{', '.join(['generations', *fields])}"
            )
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def questions(family: TaskFamily, n: int, agent: str | None) -> list[Question]:
    """A rating question per generation (or instruction, or the critiqued response) and text
    questions for reasons (or the critique)."""
    if family.kind == "critique":
        from distilabel_cli.dataset.argilla.critique import critique_questions

        return critique_questions(family, agent)
    low, high = family.scale
    values = tuple(range(low, high + 1))
    scale = f"{low} (worst) to {high} (best)."
    hint = f" The suggestion is {agent}'s." if agent else ""
    if family.kind == "instructions":
        return [
            Question("instruction-rating", "Rate the instruction", "rating", True, scale, values),
            Question(
                "instruction-edit",
                "Rewrite the instruction (optional)",
                "text",
                False,
                "Leave empty to keep it as it is.",
            ),
        ]
    out = [
        Question(f"rating-{i}", f"Rate generation {i}", "rating", True, scale + hint, values)
        for i in range(1, n + 1)
    ]
    if family.rationale == "single":
        out.append(Question("rationale", "Rationale for the ratings", "text", False, hint.strip()))
    else:
        out += [
            Question(f"rationale-{i}", f"Rationale for generation {i}", "text", False)
            for i in range(1, n + 1)
        ]
    return out


def metadata_properties(
    family: TaskFamily, fields: dict[str, str], n: int, columns: set[str]
) -> list[MetadataProperty]:
    """Lengths, models, AI ratings and the best-minus-second-best rating gap."""
    props = [
        MetadataProperty(f"{f}-length", f"{title} length (chars)", "integer")
        for f, title in fields.items()
    ]
    if "generation_model" in columns and family.kind != "instructions":
        props += [
            MetadataProperty(f"{generation_field(i)}-model", f"Generation {i} model", "terms")
            for i in range(1, n + 1)
        ]
    if "labelling_model" in columns:
        props.append(MetadataProperty("labelling-model", "Labelling model", "terms"))
    if family.kind == "critique":
        props.append(MetadataProperty("ai-score", "AI score", "float"))
    elif family.labelled:
        props += [
            MetadataProperty(f"{generation_field(i)}-ai-rating", f"AI rating {i}", "float")
            for i in range(1, n + 1)
        ]
        props.append(
            MetadataProperty("rating-distance", "Best minus second-best AI rating", "float")
        )
    return props


def metric_properties(fields: dict[str, str], metrics: Any) -> list[MetadataProperty]:
    """One property per text field and metric."""
    chosen: list[Metric] = list(metrics.metrics)
    return [
        MetadataProperty(f"{f}-{m.name}", f"{title} {m.title}", m.kind)
        for f, title in fields.items()
        for m in chosen
    ]
