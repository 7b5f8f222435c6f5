"""Argilla review: push a dataset for human review, pull the reviewed labels back.

Argilla 2.x SDK (`argilla`); vectors need the `[argilla]` extra (sentence-transformers).
Each dataset family (`family.py`, found by `families.detect_family`) lays out its own
records and reads back its own reviews.
"""

from distilabel_cli.dataset.argilla.convert import ArgillaDataset, PushResult, to_argilla
from distilabel_cli.dataset.argilla.critique import CritiqueFamily
from distilabel_cli.dataset.argilla.families import FAMILIES, detect_family
from distilabel_cli.dataset.argilla.family import TaskFamily
from distilabel_cli.dataset.argilla.generations import GenerationFamily, RatedFamily
from distilabel_cli.dataset.argilla.instructions import InstructionFamily
from distilabel_cli.dataset.argilla.metrics import TextStatistics, text_statistics
from distilabel_cli.dataset.argilla.pull import PullSummary, pull_from_argilla
from distilabel_cli.dataset.argilla.vectors import SentenceEmbedder

__all__ = [
    "FAMILIES",
    "ArgillaDataset",
    "CritiqueFamily",
    "GenerationFamily",
    "InstructionFamily",
    "PullSummary",
    "PushResult",
    "RatedFamily",
    "SentenceEmbedder",
    "TaskFamily",
    "TextStatistics",
    "detect_family",
    "pull_from_argilla",
    "text_statistics",
    "to_argilla",
]
