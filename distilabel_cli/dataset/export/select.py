"""Pick the responses the SFT-style formats train on: the best rated per prompt, or all.

Works on one Arrow batch at a time: the (prompt, response) rows of a batch depend on that
batch only, so any batch size gives the same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distilabel_cli.dataset.binarize.columns import BinarizeColumns, ListColumn
from distilabel_cli.errors import DistilError

Select = Literal["best", "all"]
SELECTS: tuple[str, ...] = ("best", "all")
#: Columns of a selected batch.
PROMPT, RESPONSE, SYSTEM = "prompt", "response", "system"


@dataclass(frozen=True)
class Selection:
    """Which responses to keep: `best` (highest rated per row, the first on ties) or `all`;
    with `min_rating`, only responses rated at least that."""

    select: Select
    min_rating: float | None
    columns: BinarizeColumns
    system: str | None  # the system prompt column, if the dataset has one

    @property
    def needs_ratings(self) -> bool:
        return self.select == "best" or self.min_rating is not None


def check_source(schema: pa.Schema, selection: Selection) -> None:
    """Name the column that is missing or of the wrong type, before reading any row."""
    names = schema.names
    cols = selection.columns
    prompt, generations, ratings = (cols.name(r) for r in ("prompt", "generations", "ratings"))
    for role, name in (("prompt", prompt), ("generations", generations)):
        if name not in names:
            raise DistilError(
                f"no {name!r} column for the {role} (columns: {', '.join(names)}); "
                f"map it with --{role}-column"
            )
    if not _is_text(schema.field(prompt).type):
        raise DistilError(f"column {prompt!r} (prompt) must hold text")
    gen_type = schema.field(generations).type
    if not (_is_text(gen_type) or (_is_list(gen_type) and _is_text(gen_type.value_type))):
        raise DistilError(f"column {generations!r} must hold text or lists of text")
    if not selection.needs_ratings:
        return
    why = "--select best" if selection.select == "best" else "--min-rating"
    if ratings not in names:
        hint = "; use --select all" if selection.min_rating is None else ""
        raise DistilError(
            f"{why} needs ratings, and there is no {ratings!r} column (columns: "
            f"{', '.join(names)}); rate the generations with a labeller (e.g. ultrafeedback) "
            f"or map the column with --ratings-column{hint}"
        )
    rating_type = schema.field(ratings).type
    if not (_is_list(rating_type) and _is_number(rating_type.value_type)):
        raise DistilError(
            f"column {ratings!r} must hold a list of numbers, one per generation; "
            f"found {rating_type}"
        )


def select_responses(batch: pa.Table, selection: Selection) -> pa.Table:
    """One row per kept (prompt, response): columns `prompt`, `response` and, when the
    dataset has a system prompt column, `system` (blank ones null)."""
    from distilabel_cli.dataset.export.messages import nonblank_or_null

    cols = selection.columns
    prompts = batch.column(cols.name("prompt")).combine_chunks()
    generations = _as_lists(batch.column(cols.name("generations")).combine_chunks())
    row, position = _items(generations.lengths)
    texts = generations.values.take(pa.array(generations.starts[row] + position, pa.int64()))
    usable = _nonblank(texts) & ~prompts.is_null().to_numpy(zero_copy_only=False)[row]
    if selection.needs_ratings:
        ratings = _item_ratings(batch.column(cols.name("ratings")), generations, row, position)
        usable &= np.isfinite(ratings)
        if selection.min_rating is not None:
            usable &= ratings >= selection.min_rating
        if selection.select == "best":
            usable &= _first_best(row, ratings, usable)
    keep = pa.array(np.flatnonzero(usable), pa.int64())
    rows = pa.array(row[usable], pa.int64())
    data = {PROMPT: prompts.take(rows), RESPONSE: texts.take(keep)}
    if selection.system is not None:
        system = batch.column(selection.system).combine_chunks()
        data[SYSTEM] = nonblank_or_null(system.take(rows))
    return pa.table(data)


def _as_lists(array: pa.Array) -> ListColumn:
    """A text column is one generation per row."""
    if _is_list(array.type):
        return ListColumn.from_array(array)
    n = len(array)
    return ListColumn(np.arange(n, dtype=np.int64), np.ones(n, np.int64), array)


def _items(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, position within the row) of every item, rows in order."""
    lengths = np.maximum(lengths, 0)
    row = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.zeros(len(lengths), np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return row, np.arange(len(row), dtype=np.int64) - starts[row]


def _item_ratings(
    column: pa.ChunkedArray, generations: ListColumn, row: np.ndarray, position: np.ndarray
) -> np.ndarray:
    """Each item's rating; NaN where unrated or where the row's ratings and generations
    differ in length."""
    ratings = ListColumn.from_array(column.combine_chunks())
    aligned = ratings.lengths[row] == generations.lengths[row]
    values = ratings.values.cast(pa.float64()).fill_null(np.nan)
    flat = values.to_numpy(zero_copy_only=False)
    index = np.where(aligned, ratings.starts[row] + position, 0)
    out = flat[index] if len(flat) else np.full(len(row), np.nan)
    return np.where(aligned, out, np.nan)


def _first_best(row: np.ndarray, ratings: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Per item, whether it is its row's highest rated usable item (the first on ties)."""
    candidates = np.flatnonzero(usable)
    order = candidates[np.lexsort((candidates, -ratings[candidates], row[candidates]))]
    _, first = np.unique(row[order], return_index=True)
    best = np.zeros(len(row), bool)
    best[order[first]] = True
    return best


def _nonblank(texts: pa.Array) -> np.ndarray:
    if pa.types.is_null(texts.type):
        return np.zeros(len(texts), bool)
    length = pc.utf8_length(pc.utf8_trim_whitespace(texts))
    return pc.greater(length, 0).fill_null(False).to_numpy(zero_copy_only=False)


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


def _is_list(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t)


def _is_number(t: pa.DataType) -> bool:
    kinds: Sequence = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal)
    return any(kind(t) for kind in kinds) or pa.types.is_null(t)
