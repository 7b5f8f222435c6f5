"""Clean-up and elimination rules for evolved instructions and responses (WizardLM, Deita).

A failed evolution (empty, a refusal, an echo of the prompt's scaffolding, a copy of what it
should have changed) becomes None rather than a junk row; a usable rewrite after a
"Rewritten:"-like label is taken out first. Echoes of the prompt's sentences are found by
`evol_scaffold`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from difflib import SequenceMatcher
from typing import Any

from distilabel_cli.tasks._parsing.json_answer import parse_json

_FENCE = re.compile(r"^```[\w+-]*[ \t]*\n(.*?)\n?```$", re.S)
#: "Sure! Here is the rewritten instruction:" (a line, or the start of one); a lone "Sure!".
_PREAMBLE = re.compile(
    r"^(?:(?:sure|okay|ok|certainly|of course|absolutely|great)\b[^\n]{0,20}?[!.,]?[ \t]*)?"
    r"(?:here(?:'s| is)|below is|this is)\b[^\n:]{0,60}?"
    r"\b(?:(?:rewritten|revised|evolved|new|improved|updated|enhanced|harder|more \w+)"
    r"[ \t]+(?:version|instruction|prompt|response|answer)"
    r"|(?:instruction|prompt|response|answer)[ \t]+(?:rewritten|revised|improved))"
    r"\b[^\n:]{0,40}[:：][ \t]*\n?"
    r"|^(?:sure|okay|ok|certainly|of course|absolutely)[!.,]?[ \t]*\n",
    re.I,
)
#: "#Rewritten Prompt#:", "**Improved response:**", "Rewritten:", "New instruction (deepen):".
_LABEL = re.compile(
    r"^[ \t]*(?:#+[ \t]*)?(?:\*\*)?[ \t]*#?(?:the[ \t]+)?"
    r"(?:rewritten|new|evolved|created|improved|revised|updated|more complex)"
    r"(?:[ \t]+(?:given[ \t]+)?(?:prompt|instruction|response|answer|version|query))?"
    r"[ \t]*#?[ \t]*(?:\([^)\n]*\))?[ \t]*(?:\*\*)?[ \t]*(?:[:：]|(?=\n))[ \t]*(?:\*\*)?[ \t]*",
    re.I,
)
#: A line that opens a labelled part of an answer: "Rewritten:", "**New instruction:**",
#: "#Rewritten Prompt#:", "Original:", "## Improved response", "Your answer:".
_PART = re.compile(
    r"^[ \t]*(?P<deco>(?:#+|\*\*)[ \t]*)?#?[ \t]*(?:the[ \t]+)?(?:"
    r"(?P<rewrite>(?:rewritten|rewrite|new|evolved|created|improved|revised|updated|harder"
    r"|more complex)(?:[ \t]+(?:given[ \t]+)?(?:prompt|instruction|response|answer|version))?)"
    r"|(?P<original>(?:original|given|old)(?:[ \t]+(?:prompt|instruction|response|answer))?)"
    r"|your[ \t]+answer|explanation|changes[ \t]+made)"
    r"[ \t]*(?P<hash>#)?[ \t]*(?:\([^)\n]*\))?[ \t]*(?:\*\*)?[ \t]*(?P<colon>[:：])?"
    r"[ \t]*(?:\*\*)?[ \t]*",
    re.I,
)
_APOLOGY = re.compile(
    r"^(?:i'?m sorry|i am sorry|sorry|i apologi[sz]e|my apologies|unfortunately)\b", re.I
)
_AS_AN_AI = re.compile(r"^(?:as an ai\b|as a language model|as an artificial intelligence)", re.I)
_CANNOT = re.compile(
    r"\b(?:i|we)[ \t]+(?:cannot|can't|can not|am unable|'m unable|are unable|am not able"
    r"|'m not able|won't|will not)\b",
    re.I,
)
_CANNOT_START = re.compile(
    r"^i (?:cannot|can't|can not|am unable to|'m unable to|am not able to|'m not able to"
    r"|won't|will not) (?:help|assist|comply|fulfil|fulfill|provide|rewrite|create|generate"
    r"|complete|do that|do this|answer|write|improve|evolve|make)\b",
    re.I,
)
_PLACEHOLDER = re.compile(r"^<[^<>\n]{1,60}>$")
_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Text reduced to lowercase words, for 'is this the same text' comparisons."""
    return _NON_WORD.sub(" ", text.replace("\u2019", "'").casefold()).strip()


def unfence(text: str) -> str:
    """The content of an answer that is one fenced code block, else the answer."""
    match = _FENCE.match(text.strip())
    return match.group(1).strip() if match else text


def strip_wrappers(text: str) -> str:
    """Drop a leading "Here is ..." line and answer label, then enclosing quotes or bold."""
    text = text.strip()
    text = _PREAMBLE.sub("", text, count=1).strip()
    text = _LABEL.sub("", text, count=1).strip()
    for left, right in (('"', '"'), ("\u201c", "\u201d"), ("**", "**"), ("'", "'")):
        inner = text[len(left) : -len(right)]
        wrapped = len(text) > len(left) + len(right) and text[: len(left)] == left
        if wrapped and text.endswith(right) and left not in inner and right not in inner:
            text = inner.strip()
    return text


def is_refusal(text: str, original: Any = None) -> bool:
    """A refusal or apology instead of the requested text.

    An apology counts only when `original` (the text evolved) does not open with one too.
    """
    start = _opening(text)
    if _AS_AN_AI.match(start) or _CANNOT_START.match(start):
        return True
    if _APOLOGY.match(start) and not (
        isinstance(original, str) and _APOLOGY.match(_opening(original))
    ):
        return bool(_CANNOT.search(start[:200])) or len(start.split()) < 25
    return False


def _opening(text: str) -> str:
    return text.replace("\u2019", "'").lstrip('*#>"\u201c \t\n')


def is_placeholder(text: str) -> bool:
    """The format's placeholder copied literally, e.g. `<the rewritten instruction>`."""
    return bool(_PLACEHOLDER.match(text.strip()))


def has_scaffold(text: str, patterns: Iterable[re.Pattern[str]]) -> bool:
    """Whether the answer still contains the prompt's scaffolding."""
    return any(p.search(text) for p in patterns)


def is_copy(text: str, *originals: Any) -> bool:
    """Equal to one of `originals` but for case, whitespace and punctuation."""
    norm = normalize(text)
    return any(isinstance(o, str) and normalize(o) == norm for o in originals)


def json_answer(text: str, key: str) -> tuple[bool, str | None]:
    """(True, value) when the answer is the JSON object `{key: ...}`, repaired when broken
    (value None when it is cut short or not a string); (False, None) when it is plain text."""
    body = unfence(text.strip())
    start = body.find("{")
    if start < 0 or "\n" in body[:start] or start > 100:
        return False, None
    if not re.match(rf"""\{{\s*["']{re.escape(key)}["']\s*:""", body[start:]):
        return False, None
    data = parse_json(body[start:], partial="off")  # a rewrite cut short is no rewrite
    value = data.get(key) if isinstance(data, dict) else None
    return True, value if isinstance(value, str) else None


def cut_trailing_notes(text: str, note: re.Pattern[str]) -> str:
    """Drop the paragraphs from the first one that `note` matches (keeping the first)."""
    paragraphs = re.split(r"\n[ \t]*\n", text)
    for k, paragraph in enumerate(paragraphs[1:], start=1):
        if note.match(paragraph.strip()):
            return "\n\n".join(paragraphs[:k]).strip()
    return text


def clean_answer(text: str, *, code_block: bool = True) -> str:
    """The answer without preamble, label, quotes and (when `code_block`) an enclosing fence."""
    text = strip_wrappers(text)
    return strip_wrappers(unfence(text)) if code_block else text


def is_near_copy(text: str, original: Any) -> bool:
    """`text` is `original` with at most a handful of words changed (1 in 10, at most 8)."""
    if not isinstance(original, str):
        return False
    old, new = normalize(original).split(), normalize(text).split()
    allowed = min(8, max(len(old), len(new)) // 10)
    if not old or abs(len(old) - len(new)) > allowed:
        return False
    ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal") <= allowed


def stripped(value: Any) -> str:
    """A row value as stripped text ("" for None)."""
    return "" if value is None else str(value).strip()


def _part(line: str) -> tuple[str, str] | None:
    """(kind, text after the label) when `line` opens a labelled part: kind "rewrite",
    "original" or "stop"; a label needs a colon, or decoration and nothing after it."""
    match = _PART.match(line)
    if not match:
        return None
    rest = line[match.end() :]
    if not match["colon"] and (rest.strip() or not (match["deco"] or match["hash"])):
        return None
    return ("rewrite" if match["rewrite"] else "original" if match["original"] else "stop"), rest


def is_preamble(line: str) -> bool:
    """A line that only announces the answer ("Sure! Here is the rewritten instruction:")."""
    match = _PREAMBLE.match(line.strip() + "\n")
    return bool(match) and not line.strip()[match.end() :].strip()


def labelled_answer(text: str, is_noise: Callable[[str], bool]) -> str | None:
    """The text after the answer's last "Rewritten:"-like label that has some (up to the next
    label: "Original:", "Your answer:", "Explanation:"...), when every line before that label is
    blank, a label line ("Original: ...") or `is_noise` (an echo of the prompt); else None."""
    lines = text.split("\n")
    parts = [(i, *part) for i, line in enumerate(lines) if (part := _part(line))]
    for k in range(len(parts) - 1, -1, -1):
        start, kind, rest = parts[k]
        end = parts[k + 1][0] if k + 1 < len(parts) else len(lines)
        content = "\n".join([rest, *lines[start + 1 : end]]).strip()
        if kind == "rewrite" and normalize(content):
            break
    else:
        return None
    before = lines[:start]
    if all(not line.strip() or _part(line) or is_noise(line) for line in before):
        return content
    return None


def unbullet(text: str) -> str:
    """A one-line answer without its bullet ("- Explain ..."): what is left of a list."""
    return re.sub(r"^[-*+\u2022][ \t]+", "", text) if "\n" not in text.strip() else text
