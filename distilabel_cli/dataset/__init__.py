"""Datasets: CustomDataset, input loading."""

from distilabel_cli.dataset.custom_dataset import CustomDataset

__all__ = ["CustomDataset"]
