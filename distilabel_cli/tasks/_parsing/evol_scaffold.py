"""The fixed text of a prompt (its scaffold), to spot answers that copy it back.

An evolution or a list of instructions that repeats the prompt's own sentences, labels or
headings instead of writing something new is a failed one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from distilabel_cli.tasks._parsing.evol_filters import normalize
from distilabel_cli.tasks.base import render_template

#: Stands for the row's own values when a prompt is rendered to read its fixed text.
ROW_VALUE = "zzrowvaluezz"
#: A scaffold sentence shorter than this (normalised, or under 4 words) is too common to count.
MIN_ECHO_CHARS = 25
#: Word-level similarity from which a sentence of an answer is a reworded scaffold sentence.
ECHO_SIMILARITY = 0.85
#: The same for a whole first or last line of an answer, stripped as an echo (not rejected).
LINE_SIMILARITY = 0.8
_SENTENCE_END = re.compile(r"(?<=[.!?;:])[ \t]+")
_LIST_MARK = re.compile(r"^[ \t]*(?:[-*+\u2022>#]+|\d{1,3}[.)])[ \t]+")
_LABEL_VALUE = re.compile(r"^[ \t]*([A-Za-z][A-Za-z ]{0,24}?)[ \t]*:[ \t]*\S")


def sentences(text: str) -> list[str]:
    """The normalised sentences of each line of `text`, list markers left out."""
    units = []
    for line in text.splitlines():
        for part in _SENTENCE_END.split(_LIST_MARK.sub("", line)):
            if norm := normalize(part):
                units.append(norm)
    return units


@dataclass(frozen=True)
class Scaffold:
    """The fixed text of a prompt (its row values left out), to spot it copied in answers."""

    #: Normalised sentences long enough to count when an answer contains them.
    sentences: tuple[str, ...]
    #: Every normalised sentence, however short (an item equal to one is an echo).
    lines: frozenset[str]
    #: Normalised labels of the prompt's "Label: value" lines ("topic", "method").
    labels: frozenset[str]

    @classmethod
    def of(cls, *texts: str) -> Scaffold:
        """From prompts (system prompt included) rendered with ROW_VALUE for row values."""
        units: list[str] = []
        labels: set[str] = set()
        for text in texts:
            units += [u for u in sentences(text) if ROW_VALUE not in u]
            matches = (_LABEL_VALUE.match(line) for line in text.splitlines())
            labels |= {normalize(m.group(1)) for m in matches if m}
        long = tuple(dict.fromkeys(u for u in units if _long(u)))
        return cls(long, frozenset(units), frozenset(labels))

    def echoed(self, text: str, *values: Any) -> bool:
        """Whether `text` contains a scaffold sentence, or a close rewording of one, that the
        row's own `values` (input, generation) do not contain."""
        active = _active(self, _strings(values))
        return bool(active) and _echoes(normalize(text), sentences(text), active)

    def echoed_item(self, item: str, *values: Any) -> bool:
        """Whether a generated item is a scaffold line, a "Label: ..." line of the prompt, one
        of the row's `values`, or contains a scaffold sentence."""
        norm = normalize(item)
        label = _LABEL_VALUE.match(item)
        return (
            norm in self.lines
            or any(norm == normalize(v) for v in _strings(values))
            or bool(label and normalize(label.group(1)) in self.labels)
            or self.echoed(item, *values)
        )

    def echo_line(self, line: str, *values: Any) -> bool:
        """Whether every sentence of `line` is a scaffold sentence (however short) or a close
        rewording of a long one, and none is in the row's `values`: an echoed prompt line."""
        strings = _strings(values)
        padded = " " + " | ".join(normalize(v) for v in strings) + " "
        active = _active(self, strings)
        units = sentences(line)
        return bool(units) and all(
            f" {u} " not in padded
            and (
                u in self.lines
                or (_long(u) and any(_similar(u, s, LINE_SIMILARITY) for s in active))
            )
            for u in units
        )

    def strip_lines(self, text: str, *values: Any) -> str:
        """`text` without its leading and trailing blank and echoed prompt lines."""
        lines = text.strip().split("\n")
        while lines and (not lines[0].strip() or self.echo_line(lines[0], *values)):
            lines.pop(0)
        while lines and (not lines[-1].strip() or self.echo_line(lines[-1], *values)):
            lines.pop()
        return "\n".join(lines).strip()


def _long(norm: str) -> bool:
    return len(norm) >= MIN_ECHO_CHARS and norm.count(" ") >= 3


def _strings(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(v for v in values if isinstance(v, str) and v.strip())


@lru_cache(maxsize=4096)
def _bag(text: str) -> tuple[list[str], Counter[str]]:
    words = text.split()
    return words, Counter(words)


def _similar(a: str, b: str, threshold: float = ECHO_SIMILARITY) -> bool:
    (x, x_bag), (y, y_bag) = _bag(a), _bag(b)
    total = len(x) + len(y)
    if 2 * min(len(x), len(y)) < threshold * total:
        return False  # too different in length to reach the ratio
    if 2 * sum((x_bag & y_bag).values()) < threshold * total:
        return False  # too few shared words: the ratio cannot reach the threshold
    return SequenceMatcher(None, x, y, autojunk=False).ratio() >= threshold


def _echoes(norm_text: str, units: list[str], scaffold: Iterable[str]) -> bool:
    padded = f" {norm_text} "
    long_units = [u for u in units if _long(u)]
    return any(f" {s} " in padded or any(_similar(u, s) for u in long_units) for s in scaffold)


@lru_cache(maxsize=256)
def _active(scaffold: Scaffold, values: tuple[str, ...]) -> tuple[str, ...]:
    """The scaffold sentences that the row's own values do not contain (nor reword)."""
    if not values:
        return scaffold.sentences
    units = [u for v in values for u in sentences(v)]
    padded = " | ".join(normalize(v) for v in values)
    return tuple(s for s in scaffold.sentences if not _echoes(padded, units, (s,)))


@lru_cache(maxsize=128)
def template_scaffold(
    system_prompt: str, template: str, context: tuple[tuple[str, Any], ...]
) -> Scaffold:
    """The scaffold of both variants (text and structured) of a bundled template's prompt,
    rendered with `context` (hashable items; row values given as ROW_VALUE)."""
    prompts = (render_template(template, **dict(context), structured=s) for s in (False, True))
    return Scaffold.of(system_prompt, *prompts)
