"""Column mapping and checks for binarization: find and type-check the rated columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distilabel_cli.columns import GENERATION_MODEL
from distilabel_cli.errors import DistilError
from distilabel_cli.tasks import Task

#: Column each role is read from when not mapped.
DEFAULT_COLUMNS = {
    "prompt": "input",
    "generations": "generations",
    "ratings": "rating",
    "models": GENERATION_MODEL,
    "rationale": "rationale",
}
#: Columns a critique task writes instead of a `rating` list (UltraCM, Prometheus).
CRITIQUE_COLUMNS = ("score", "critique")
#: The `distil binarize` option that maps each role.
CLI_FLAGS = {
    "prompt": "--prompt-column",
    "generations": "--generations-column",
    "ratings": "--ratings-column",
    "models": "--models-column",
}


@dataclass(frozen=True)
class BinarizeColumns:
    """Which column holds each role; None means the distil/distilabel default name.

    `prompt`, `generations` and `ratings` must exist. `models` and `rationale` are optional
    under their default names, but a name set here must exist.
    """

    prompt: str | None = None
    generations: str | None = None
    ratings: str | None = None
    models: str | None = None
    rationale: str | None = None

    @classmethod
    def coerce(cls, value: BinarizeColumns | Mapping[str, str] | None) -> BinarizeColumns:
        """Accept an instance, a `{role: column}` mapping or None."""
        if value is None:
            return cls()
        if isinstance(value, BinarizeColumns):
            return value
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise DistilError(
                f"columns: unknown role {unknown[0]!r}; expected one of {', '.join(sorted(known))}"
            )
        return cls(**dict(value))

    def name(self, role: str) -> str:
        """The column name used for `role`."""
        return getattr(self, role) or DEFAULT_COLUMNS[role]


@dataclass
class ListColumn:
    """A list column as numpy row bounds into its (flat) values."""

    starts: np.ndarray  # int64: where each row's items begin in `values`
    lengths: np.ndarray  # int64: items per row, -1 for a null list
    values: pa.Array
    #: The values as stored, before any cast (ratings keep their type in the pairs).
    source_values: pa.Array | None = None

    @classmethod
    def from_array(cls, array: pa.Array) -> ListColumn:
        offsets = array.offsets.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        lengths = pc.list_value_length(array).fill_null(-1).to_numpy(zero_copy_only=False)
        return cls(offsets[:-1], lengths.astype(np.int64, copy=False), array.values)


@dataclass
class RatedColumns:
    """The checked columns of a rated dataset, one chunk each."""

    prompt: pa.Array
    generations: ListColumn
    ratings: ListColumn  # values cast to float64
    models: pa.Array | None  # list<str> per generation, str per row, or None
    rationale: pa.Array | None  # list<str> per generation, str per row, or None
    rationale_name: str | None


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


def _is_list(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t)


def _column(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()


def _missing(role: str, name: str, table: pa.Table, task: Task | None) -> DistilError:
    columns = ", ".join(table.column_names) or "none"
    flag = CLI_FLAGS.get(role, f"columns={{{role!r}: ...}}")
    if role == "ratings":
        found = [c for c in CRITIQUE_COLUMNS if c in table.column_names]
        if found:
            return DistilError(
                f"no {name!r} column to binarize: the dataset has {'/'.join(found)!r} "
                "columns from a critique task (UltraCM, Prometheus absolute), which scores one "
                "response per row; binarization needs a list of ratings for several "
                "generations per row (Prometheus mode: relative writes one)"
            )
        if task is not None and "rating" not in task.output_args_names:
            return DistilError(
                f"no {name!r} column to binarize: the dataset's task {type(task).__name__} "
                f"does not rate generations (columns: {columns})"
            )
    return DistilError(f"no {name!r} column for {role} (columns: {columns}); map it with {flag}")


def resolve_columns(
    table: pa.Table, columns: BinarizeColumns, task: Task | None = None
) -> RatedColumns:
    """Find, type-check and unchunk the columns binarization reads."""
    present = set(table.column_names)
    for role in ("ratings", "prompt", "generations"):  # ratings first: the likeliest cause
        if columns.name(role) not in present:
            raise _missing(role, columns.name(role), table, task)
    for role in ("models", "rationale"):
        if getattr(columns, role) is not None and columns.name(role) not in present:
            raise _missing(role, columns.name(role), table, task)

    prompt_name = columns.name("prompt")
    prompt = _column(table, prompt_name)
    if not _is_text(prompt.type):
        raise DistilError(f"column {prompt_name!r} (prompt) must hold text, found {prompt.type}")
    return RatedColumns(
        prompt=prompt,
        generations=_generations(table, columns.name("generations")),
        ratings=_ratings(table, columns.name("ratings")),
        models=_optional(table, columns.name("models"), "models"),
        rationale=_optional(table, columns.name("rationale"), "rationale"),
        rationale_name=columns.name("rationale") if columns.name("rationale") in present else None,
    )


def _generations(table: pa.Table, name: str) -> ListColumn:
    array = _column(table, name)
    if _is_text(array.type):
        raise DistilError(
            f"column {name!r} holds one generation per row (text); binarization needs a list "
            "of at least two rated generations per row"
        )
    if not _is_list(array.type) or not _is_text(array.type.value_type):
        raise DistilError(
            f"column {name!r} (generations) must hold lists of text, found {array.type}"
        )
    column = ListColumn.from_array(array)
    if len(array) and int(column.lengths.max()) < 2:
        raise DistilError(
            f"every row has at most one generation in {name!r}; binarization needs at least "
            "two rated generations per row"
        )
    return column


def _ratings(table: pa.Table, name: str) -> ListColumn:
    array = _column(table, name)
    t = array.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        raise DistilError(
            f"column {name!r} holds one number per row; binarization needs a list of ratings, "
            "one per generation"
        )
    value_type = t.value_type if _is_list(t) else None
    if value_type is None or not (
        pa.types.is_integer(value_type)
        or pa.types.is_floating(value_type)
        or pa.types.is_decimal(value_type)
        or pa.types.is_null(value_type)
    ):
        raise DistilError(f"column {name!r} (ratings) must hold lists of numbers, found {t}")
    column = ListColumn.from_array(array)
    column.source_values = column.values
    column.values = column.values.cast(pa.float64())
    return column


def _optional(table: pa.Table, name: str, role: str) -> pa.Array | None:
    if name not in table.column_names:
        return None
    array = _column(table, name)
    if _is_text(array.type) or (_is_list(array.type) and _is_text(array.type.value_type)):
        return array
    raise DistilError(
        f"column {name!r} ({role}) must hold text or a list of text per row, found {array.type}"
    )
