"""Datasets: CustomDataset, checkpoints, Hub I/O, binarization.

Names are imported on first use, so importing this package does not load `datasets`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from distilabel_cli.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from distilabel_cli.dataset.binarize.core import prepare_dataset
    from distilabel_cli.dataset.checkpoint.store import DatasetCheckpoint
    from distilabel_cli.dataset.custom_dataset import CustomDataset

#: Public name -> (module under distilabel_cli.dataset, attribute).
EXPORTS: dict[str, tuple[str, str]] = {
    "CustomDataset": ("custom_dataset", "CustomDataset"),
    "DatasetCheckpoint": ("checkpoint", "DatasetCheckpoint"),
    "prepare_dataset": ("binarize", "prepare_dataset"),
}


def is_checkpoint_folder(path: str | Path) -> bool:
    """Whether `path` is a folder distil's checkpoint wrote (it holds the marker file)."""
    from distilabel_cli.dataset.checkpoint.store import MARKER_FILE

    return (Path(path) / MARKER_FILE).is_file()


def load_dataset(
    repo_id: str | Path, split: str = "train", token: str | None = None, **kwargs: Any
) -> CustomDataset:
    """A Hub dataset id, a saved folder or a checkpoint folder, with its task restored.

    A checkpoint folder opens as the dataset of the rows finished so far; anything else
    goes through `datasets.load_dataset` (see `distilabel_cli.dataset.io.hub.load_dataset`).
    """
    if is_checkpoint_folder(repo_id):
        from distilabel_cli.dataset.checkpoint.as_dataset import load_checkpoint_dataset

        return load_checkpoint_dataset(repo_id)
    from distilabel_cli.dataset.io.hub import load_dataset as load_hub_dataset

    return load_hub_dataset(str(repo_id), split=split, token=token, **kwargs)


__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)


__all__ = [
    "CustomDataset",
    "DatasetCheckpoint",
    "is_checkpoint_folder",
    "load_dataset",
    "prepare_dataset",
]
