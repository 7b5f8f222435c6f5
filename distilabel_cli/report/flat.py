"""Arrow list columns as flat numpy arrays: one entry per item, with its row and position."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def is_list(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t)


def is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def is_number(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def numbers(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """float64 values, NaN for nulls."""
    return pc.fill_null(array.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)


@dataclass
class FlatList:
    """A list column, flat: item `k` of row `r` is `values[first[r] + k]`."""

    values: pa.ChunkedArray  # the items as stored (e.g. text)
    first: np.ndarray  # int64 per row: where its items start in `values`
    lengths: np.ndarray  # int64 per row: item count (0 for a null list)

    @classmethod
    def of(cls, column: pa.ChunkedArray | pa.Array) -> FlatList:
        """Flatten a list column chunk by chunk (no copy of the items; a null list has none)."""
        array = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
        lengths = pc.fill_null(pc.list_value_length(array), 0).to_numpy(zero_copy_only=False)
        lengths = lengths.astype(np.int64, copy=False)
        values = pc.list_flatten(array)  # null lists dropped: items of row r are consecutive
        first = np.cumsum(lengths) - lengths
        return cls(values, first, lengths)

    @property
    def rows(self) -> np.ndarray:
        """The row of each item."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    @property
    def positions(self) -> np.ndarray:
        """Each item's position in its row."""
        return np.arange(int(self.lengths.sum())) - np.repeat(self.first, self.lengths)

    def aligned(self, rows: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index into `values`, whether present) of item `positions[i]` of row `rows[i]`."""
        present = positions < self.lengths[rows]
        return np.where(present, self.first[rows] + positions, 0), present


def codes(
    values: pa.Array | pa.ChunkedArray, fallback: str = "(unknown)"
) -> tuple[np.ndarray, list[str]]:
    """Short text values (model names) as int codes into a list of names (null: `fallback`)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(pc.fill_null(values.cast(pa.string()), fallback))
    names = encoded.dictionary.to_pylist()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), names


def text_column(table: pa.Table, names: tuple[str, ...]) -> str | None:
    """The first of `names` that is a text column of `table`."""
    for name in names:
        if name in table.column_names and is_text(table.schema.field(name).type):
            return name
    return None
