"""`input.explode`: one row per item of a list column (the chaining step between runs).

`exploded_columns` is plain Python (`distil validate` uses it); `explode` imports numpy,
pyarrow and `datasets` when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distilabel_cli.columns import (
    GENERATION_MODEL,
    GENERATION_PROMPT,
    LABELLING_MODEL,
    LABELLING_PROMPT,
    METADATA,
    RAW_GENERATIONS,
    RAW_LABELLING,
)
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    import pyarrow as pa
    from datasets import Dataset

#: Columns describing an earlier run's requests; they do not carry over to exploded rows.
RUN_COLUMNS = (
    GENERATION_MODEL,
    GENERATION_PROMPT,
    RAW_GENERATIONS,
    LABELLING_MODEL,
    LABELLING_PROMPT,
    RAW_LABELLING,
    METADATA,
)


def exploded_columns(columns: list[str], column: str, into: str | None) -> list[str]:
    """Column names after exploding `column` into `into`."""
    target = into or column
    kept = [c for c in columns if c not in RUN_COLUMNS and c not in (column, target)]
    position = columns.index(target) if target in columns else columns.index(column)
    before = sum(1 for c in columns[:position] if c in kept)
    return [*kept[:before], target, *kept[before:]]


def explode(dataset: Dataset, column: str, into: str | None = None) -> Dataset:
    """`dataset` with one row per non-empty item of `column` (nested lists flattened)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from datasets import Dataset

    if column not in dataset.column_names:
        raise DistilError(
            f"input.explode: column {column!r} not found "
            f"(columns: {', '.join(dataset.column_names)})"
        )
    table: pa.Table = dataset.with_format("arrow")[:]
    values = table.column(column).combine_chunks()
    if not _is_list(values.type):
        raise DistilError(
            f"input.explode: column {column!r} holds {values.type}, not lists; "
            "explode needs a list column such as instructions or generations"
        )
    parents = np.arange(len(values))
    while _is_list(values.type):
        parents = parents[pc.list_parent_indices(values).to_numpy()]
        values = pc.list_flatten(values)
    keep = pc.is_valid(values)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        keep = pc.and_(keep, pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(values)), 0))
    keep = keep.fill_null(False).to_numpy(zero_copy_only=False)
    names = exploded_columns(table.column_names, column, into)
    target = into or column
    rows = table.take(pa.array(parents[keep]))
    items = values.filter(pa.array(keep))
    arrays = [items if name == target else rows.column(name) for name in names]
    return Dataset(pa.table(arrays, names=names))


def _is_list(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return pa.types.is_list(kind) or pa.types.is_large_list(kind)
