"""Datasets: CustomDataset, input loading, binarization."""

from distilabel_cli.dataset.binarize import prepare_dataset
from distilabel_cli.dataset.custom_dataset import CustomDataset

__all__ = ["CustomDataset", "prepare_dataset"]
