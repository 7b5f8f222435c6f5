"""Datasets: CustomDataset, checkpoints, Hub I/O, binarization."""

from distilabel_cli.dataset.binarize import prepare_dataset
from distilabel_cli.dataset.checkpoint import DatasetCheckpoint
from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.dataset.hub import load_dataset

__all__ = ["CustomDataset", "DatasetCheckpoint", "load_dataset", "prepare_dataset"]
