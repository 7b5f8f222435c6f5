"""Train/test split by prompt: the same for a given seed, and one prompt's rows stay together.

The distinct prompts are ranked by a seeded hash of their text (pandas' SipHash,
`pandas.util.hash_array`); the first `ceil(test_size * prompts)` form the test split. So the
split is a group-aware shuffle: rows that share a prompt (the generations of one instruction,
a prompt's chosen and rejected completions) always land in the same split.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    from datasets import Dataset

TRAIN, TEST = "train", "test"
#: Rows per Arrow batch while writing the splits.
ROWS_PER_BATCH = 10_000


def check_test_size(test_size: float) -> None:
    """A fraction strictly between 0 and 1."""
    if not 0 < test_size < 1:
        raise DistilError(f"--test-size {test_size:g}: expected a fraction between 0 and 1")


def held_out_mask(keys: pa.Array | pa.ChunkedArray, test_size: float, seed: int) -> np.ndarray:
    """Per row, whether it belongs to the test split; rows with equal keys agree.

    At least one prompt goes to each split; fewer than two distinct prompts is an error.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    check_test_size(test_size)
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    encoded = pc.dictionary_encode(keys.cast(pa.string()).fill_null(""))
    prompts = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
    if len(prompts) < 2:
        raise DistilError(
            f"--test-size: cannot split {len(keys)} rows that share {len(prompts)} prompt; "
            "a split keeps each prompt's rows together and needs at least two prompts"
        )
    key = hashlib.sha256(f"distil-split-{seed}".encode()).hexdigest()[:16]
    order = np.argsort(pd.util.hash_array(prompts, hash_key=key, categorize=False), kind="stable")
    n_test = min(max(1, math.ceil(test_size * len(prompts))), len(prompts) - 1)
    in_test = np.zeros(len(prompts), bool)
    in_test[order[:n_test]] = True
    return in_test[encoded.indices.to_numpy(zero_copy_only=False)]


def split_by_prompt(
    dataset: Dataset, column: str, test_size: float, seed: int, cache_dir: Path | None = None
) -> dict[str, Dataset]:
    """`{"train": ..., "test": ...}` of `dataset`, grouped by the text in `column`; each split
    is written to an Arrow file in `cache_dir` (kept in memory when None)."""
    keys = dataset.select_columns([column]).with_format("arrow")[:][column]
    mask = held_out_mask(keys, test_size, seed)
    return {
        name: rows_where(dataset, keep, None if cache_dir is None else cache_dir / f"{name}.arrow")
        for name, keep in ((TRAIN, ~mask), (TEST, mask))
    }


def rows_where(dataset: Dataset, keep: np.ndarray, path: Path | None = None) -> Dataset:
    """A new dataset of the rows where `keep` is true, filtered with Arrow batch by batch
    and written to the Arrow file `path` (in memory when None). `Dataset.select` would leave
    an indices mapping that makes every later write many times slower."""
    import pyarrow as pa
    from datasets import Dataset, DatasetInfo
    from datasets.fingerprint import generate_random_fingerprint

    info = DatasetInfo(features=dataset.features)
    schema = dataset.features.arrow_schema
    parts = _filtered(dataset, keep)
    if path is None:
        table = pa.Table.from_batches([b for part in parts for b in part.to_batches()], schema)
        return Dataset(table, info=info, fingerprint=generate_random_fingerprint())
    with pa.ipc.new_stream(str(path), schema) as writer:
        for part in parts:
            writer.write_table(part)
    return Dataset.from_file(str(path), info=info)


def _filtered(dataset: Dataset, keep: np.ndarray) -> Iterator[pa.Table]:
    import pyarrow as pa

    start = 0
    for batch in dataset.with_format("arrow").iter(batch_size=ROWS_PER_BATCH):
        yield batch.filter(pa.array(keep[start : start + batch.num_rows]))
        start += batch.num_rows
