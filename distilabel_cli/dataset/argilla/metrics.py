"""Descriptive text statistics for Argilla metadata: words, sentences, readability.

Hand-written rather than textdescriptives: textdescriptives 2.8 requires numpy<2, which would
downgrade this project's numpy 2 (pandas, torch and datasets here are built for it).
Readability uses the Flesch formulas with a vowel-group syllable count (English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n\s*\n")
VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class Metric:
    """One statistic: metadata name suffix, title and kind."""

    name: str
    title: str
    kind: Literal["integer", "float"]


METRICS: tuple[Metric, ...] = (
    Metric("words", "words", "integer"),
    Metric("sentences", "sentences", "integer"),
    Metric("flesch-reading-ease", "Flesch reading ease", "float"),
    Metric("grade-level", "Flesch-Kincaid grade", "float"),
)


def syllables(word: str) -> int:
    """Vowel groups, less a silent final e; at least 1."""
    word = word.lower()
    count = len(VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


def text_statistics(text: str | None) -> dict[str, int | float | None]:
    """Words, sentences and Flesch readability of `text` (None scores for empty text)."""
    words = WORD.findall(text or "")
    if not words:
        return {"words": 0, "sentences": 0, "flesch-reading-ease": None, "grade-level": None}
    stripped = (text or "").strip()
    sentences = len([s for s in SENTENCE_END.split(stripped) if WORD.search(s)]) or 1
    per_sentence = len(words) / sentences
    per_word = sum(syllables(w) for w in words) / len(words)
    return {
        "words": len(words),
        "sentences": sentences,
        "flesch-reading-ease": round(206.835 - 1.015 * per_sentence - 84.6 * per_word, 2),
        "grade-level": round(0.39 * per_sentence + 11.8 * per_word - 15.59, 2),
    }


class TextStatistics:
    """The default `metric_strategy`: `METRICS` for each chosen text field."""

    metrics: tuple[Metric, ...] = METRICS

    def compute(self, text: str | None) -> dict[str, int | float | None]:
        """Statistics of one text, keyed by metric name."""
        return text_statistics(text)
