"""Binarize rated generations into preference pairs (DPO) with numpy/pyarrow.

`core` builds the pairs table, `select` picks chosen and rejected, `columns` reads the rated
columns of a dataset.
"""

from distilabel_cli.dataset.binarize.core import (
    BinarizeResult,
    BinarizeSummary,
    binarize,
    prepare_dataset,
)

__all__ = ["BinarizeResult", "BinarizeSummary", "binarize", "prepare_dataset"]
