"""Input rows as the engine takes them: `(index, row)` pairs read from Arrow in batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datasets import Dataset


def iter_rows(
    dataset: Dataset, indices: list[int] | None = None, batch_rows: int = 1000
) -> Iterator[tuple[int, dict[str, Any]]]:
    """`(index, row)` of a dataset's rows (or of the given sorted `indices`), read from Arrow
    in batches, as `Dataset.to_list()` gives them (no feature decoding)."""
    arrow = dataset.with_format("arrow")
    if indices is None:
        start = 0
        for table in arrow.iter(batch_size=batch_rows):
            for offset, row in enumerate(table.to_pylist()):
                yield start + offset, row
            start += table.num_rows
        return
    for begin in range(0, len(indices), batch_rows):
        chunk = indices[begin : begin + batch_rows]
        yield from zip(chunk, arrow[chunk].to_pylist(), strict=True)
