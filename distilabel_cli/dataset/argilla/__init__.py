"""Argilla review: push a dataset for human review, pull the reviewed labels back.

Argilla 2.x SDK (`argilla`); vectors need the `[argilla]` extra (sentence-transformers).
"""

from distilabel_cli.dataset.argilla.convert import ArgillaDataset, PushResult, to_argilla
from distilabel_cli.dataset.argilla.families import TaskFamily, detect_family
from distilabel_cli.dataset.argilla.metrics import TextStatistics, text_statistics
from distilabel_cli.dataset.argilla.pull import PullSummary, pull_from_argilla
from distilabel_cli.dataset.argilla.vectors import SentenceEmbedder

__all__ = [
    "ArgillaDataset",
    "PullSummary",
    "PushResult",
    "SentenceEmbedder",
    "TaskFamily",
    "TextStatistics",
    "detect_family",
    "pull_from_argilla",
    "text_statistics",
    "to_argilla",
]
