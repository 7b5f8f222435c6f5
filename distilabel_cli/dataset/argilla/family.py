"""`TaskFamily`: how one kind of dataset is reviewed in Argilla, push and pull.

A family declares its text fields, questions, metadata, guidelines and rating scale, renders
a row as records, and merges the reviewers' responses back into rows. The families are in
`generations.py` (generation-only, rated), `critique.py` and `instructions.py`; `families.py`
finds the one for a dataset.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from distilabel_cli.columns import GENERATION_MODEL, LABELLING_MODEL
from distilabel_cli.dataset.argilla import reviews as rv
from distilabel_cli.dataset.argilla.layout import (
    MetadataProperty,
    Question,
    field_name,
    generation_field,
)
from distilabel_cli.dataset.argilla.records import ROW_KEY, RecordData, as_text
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from datasets import Features

#: Columns a task reads that are outputs of an earlier step, not inputs to show.
OUTPUT_INPUTS = ("generations", "generation")
#: A record as pulled: (distil record id, metadata, reviews).
Pulled = tuple[str, dict[str, Any], rv.Reviews]


def input_columns(columns: set[str], task: Any, response: str | None = None) -> tuple[str, ...]:
    """The columns shown as the record's input: the task's inputs that are not responses."""
    names = getattr(task, "input_args_names", None) or ("input",)
    inputs = tuple(c for c in names if c not in (*OUTPUT_INPUTS, response) and c in columns)
    if not inputs and "input" in columns:  # e.g. a complexity scorer reads only generations
        inputs = ("input",)
    if not inputs:
        raise DistilError(f"no input column to show reviewers: expected one of {list(names)}")
    return inputs


def suggestion_hint(agent: str | None) -> str:
    """A question's note naming who made its suggestion (empty without a judge)."""
    return f" The suggestion is {agent}'s." if agent else ""


@dataclass(frozen=True)
class TaskFamily:
    """How a dataset is laid out for review; subclasses are the families."""

    #: Stored name of the family (in the Argilla dataset's `distil` metadata).
    kind: ClassVar[str]
    #: Columns whose presence makes a dataset this family's (`families.FAMILIES` order).
    claims: ClassVar[frozenset[str]]
    #: True when an AI judge's ratings or scores exist (they become suggestions).
    labelled: ClassVar[bool] = False

    inputs: tuple[str, ...]
    scale: tuple[int, int]

    @classmethod
    def detect(cls, features: Features, task: Any, scale: tuple[int, int]) -> TaskFamily:
        """The family of a dataset with these columns, rated on `scale`."""
        return cls(input_columns(set(features), task), scale)

    # -- layout -------------------------------------------------------------------------------

    def responses(self, rows: list[dict[str, Any]]) -> int:
        """How many generation fields each record shows (0: none)."""
        return 0

    def fields(self, n: int) -> dict[str, str]:
        """The record's text fields, name -> title, in display order."""
        shown = {field_name(c): c.replace("_", " ").capitalize() for c in self.inputs}
        return {**shown, **self.response_fields(n)}

    def response_fields(self, n: int) -> dict[str, str]:
        """The fields after the inputs: what the reviewer judges."""
        raise NotImplementedError

    def questions(self, n: int, agent: str | None) -> list[Question]:
        """What the reviewer answers; `agent` is the judge whose suggestions are filled in."""
        raise NotImplementedError

    def guidelines(self, task: Any, agent: str | None) -> str:
        """What the reviewer is asked to do, in markdown."""
        raise NotImplementedError

    def metadata(self, fields: dict[str, str], n: int, columns: set[str]) -> list[MetadataProperty]:
        """Field lengths, generating and labelling models, then the judge's own values."""
        props = [
            MetadataProperty(f"{f}-length", f"{title} length (chars)", "integer")
            for f, title in fields.items()
        ]
        if GENERATION_MODEL in columns:
            props += self.model_properties(n)
        if LABELLING_MODEL in columns:
            props.append(MetadataProperty("labelling-model", "Labelling model", "terms"))
        return props + self.judge_properties(n)

    def model_properties(self, n: int) -> list[MetadataProperty]:
        """Which model wrote each generation."""
        return [
            MetadataProperty(f"{generation_field(i)}-model", f"Generation {i} model", "terms")
            for i in range(1, n + 1)
        ]

    def judge_properties(self, n: int) -> list[MetadataProperty]:
        """The judge's values as filters (none without a judge)."""
        return []

    def scale_values(self) -> tuple[int, ...]:
        """Every value of the rating scale."""
        return tuple(range(self.scale[0], self.scale[1] + 1))

    # -- records ------------------------------------------------------------------------------

    def records(self, row: dict[str, Any], index: int, n: int) -> list[RecordData]:
        """The records of the `index`-th row."""
        raise NotImplementedError

    def shown_columns(self) -> tuple[str, ...]:
        """Columns the reviewer sees (their values make the record id)."""
        return (*self.inputs, "generations", "instructions")

    def record_id(self, row: dict[str, Any], index: int) -> str:
        """Stable record id: a digest of what the reviewer sees, plus the row index."""
        shown = [row.get(c) for c in self.shown_columns()]
        digest = hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()[:16]
        return f"{digest}-{index}"

    def new_record(self, row: dict[str, Any], key: str) -> RecordData:
        """Record `key` with the input fields, their lengths, the row and the labelling model."""
        shown = {field_name(c): as_text(row.get(c)) for c in self.inputs}
        metadata: dict[str, Any] = {f"{f}-length": len(text) for f, text in shown.items()}
        metadata[ROW_KEY] = json.dumps(row, ensure_ascii=False, default=str)
        if row.get(LABELLING_MODEL):
            metadata["labelling-model"] = str(row[LABELLING_MODEL])
        return RecordData(key, shown, metadata)

    # -- pull ---------------------------------------------------------------------------------

    def read_reviews(
        self, records: list[Pulled], features: Features
    ) -> tuple[list[dict[str, Any]], Features]:
        """Rows with the reviewers' answers merged in, and their features."""
        from datasets import Features, Value

        out = []
        for _, metadata, reviews in records:
            row = json.loads(metadata[ROW_KEY])
            answers = rv.submitted(reviews)
            self.merge_answers(row, answers)
            row["reviewed"] = bool(answers)
            row["discarded"] = rv.discarded(reviews)
            out.append(row)
        added = {**self.pulled_features(features), "reviewed": Value("bool")}
        return out, Features({**features, **added, "discarded": Value("bool")})

    def merge_answers(self, row: dict[str, Any], answers: list[dict[str, Any]]) -> None:
        """Put the submitted `answers` (none: unreviewed) of the row's record into `row`."""
        raise NotImplementedError

    def pulled_features(self, features: Features) -> dict[str, Any]:
        """Features of the columns `merge_answers` adds or retypes."""
        raise NotImplementedError

    # -- storage ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the Argilla dataset's metadata."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        listed = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
        return {"kind": self.kind, **listed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskFamily:
        """The family stored by `to_dict` (any family: `kind` says which)."""
        from distilabel_cli.dataset.argilla.families import family_class

        family = family_class(data["kind"])
        values = {f.name: data[f.name] for f in dataclasses.fields(family) if f.name in data}
        low, high = values["scale"]
        return family(**{**values, "inputs": tuple(values["inputs"]), "scale": (low, high)})
