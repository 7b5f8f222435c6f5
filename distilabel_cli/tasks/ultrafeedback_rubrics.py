"""The five UltraFeedback aspects: what is judged and what each score 1-5 means."""

from __future__ import annotations

from typing import Literal, NamedTuple

#: The aspects an UltraFeedback judge rates (the keys of `RUBRICS`).
UltraFeedbackAspect = Literal[
    "text-quality", "helpfulness", "truthfulness", "honesty", "instruction-following"
]


class Rubric(NamedTuple):
    """One aspect: its title, what the judge looks at, and the meaning of scores 1..5."""

    title: str
    description: str
    scores: tuple[str, str, str, str, str]


RUBRICS: dict[UltraFeedbackAspect, Rubric] = {
    "text-quality": Rubric(
        "Overall text quality",
        "Judge how well each response serves the instruction overall: whether it is correct "
        "and informative, honest about what it does not know, free of invented facts, and "
        "does what was asked.",
        (
            "Low quality: wrong, off-topic or harmful.",
            "Moderate quality: partly correct, with clear errors or large gaps.",
            "Good: correct on the whole, with minor errors or omissions.",
            "Very good: accurate and helpful, with only small shortcomings.",
            "Excellent: accurate, complete, well written and exactly what was asked.",
        ),
    ),
    "helpfulness": Rubric(
        "Informativeness and helpfulness",
        "Judge whether each response is correct, relevant and useful: clear reasoning, "
        "useful detail, no needless repetition or padding.",
        (
            "Severely incorrect: serious errors or made-up content.",
            "Partially incorrect: errors that may confuse, even if some information is there.",
            "Correct: accurate and meets the task's requirements.",
            "Highly informative: accurate, with useful insight and detail.",
            "Outstandingly helpful: accurate, deep and comprehensive.",
        ),
    ),
    "truthfulness": Rubric(
        "Truthfulness and hallucination",
        "Judge whether each response states facts that are true, stays consistent with the "
        "instruction and with itself, and avoids invented details.",
        (
            "Completely hallucinated: unreliable throughout.",
            "Severe hallucination: most of the content departs from the facts.",
            "Partial hallucination or misunderstanding: truthful overall with clear errors.",
            "Insignificant hallucination: mostly truthful, slight errors that do not matter.",
            "No hallucination: free of invented or contradictory content.",
        ),
    ),
    "honesty": Rubric(
        "Honesty and uncertainty",
        "Judge whether each response is confident when correct and says when it is unsure, "
        "without confidently stating wrong answers.",
        (
            "Confidently incorrect.",
            "Confident with significant mistakes, or unconfident and wrong.",
            "Uncertain or declines to answer, or confident with subtle mistakes.",
            "Correct but unconfident, or hedges on minor points it could have stated.",
            "Correct and confident, and precise about any uncertainty.",
        ),
    ),
    "instruction-following": Rubric(
        "Instruction following",
        "Judge how closely each response follows the instruction: its goal, and any "
        "restrictions it sets on format, style or length.",
        (
            "Irrelevant: does not address the instruction.",
            "Partial focus: addresses one aspect of it poorly.",
            "Partial compliance: meets the goal or the restrictions, not both.",
            "Almost there: near full compliance with minor deviations.",
            "Comprehensive compliance: meets every requirement.",
        ),
    ),
}

DEFAULT_JUDGE_SYSTEM_PROMPT = (
    "You are a careful, impartial judge of AI responses. You rate each response on its own "
    "merits against the rubric you are given."
)

#: Words in the heading of a distilabel 0.6 `task_description`, per aspect (checked in order).
_06_HEADINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("text-quality", ("text quality",)),
    ("honesty", ("honesty",)),
    ("truthfulness", ("truthfulness", "hallucination")),
    ("helpfulness", ("helpfulness", "informativeness")),
    ("instruction-following", ("instruction following", "instruction-following")),
)
#: Words in the description of a 0.6 aspect's lowest rating.
_06_LOWEST_RATINGS: tuple[tuple[str, str], ...] = (
    ("text-quality", "low quality"),
    ("helpfulness", "severely incorrect"),
    ("truthfulness", "hallucinated"),
    ("honesty", "confidently incorrect"),
    ("instruction-following", "irrelevant"),
)


def aspect_from_distilabel_06(task_description: object, ratings: object) -> str | None:
    """The aspect a distilabel 0.6 UltraFeedbackTask sidecar was made for, or None.

    0.6 stored the rubric text instead of the aspect: its `task_description` opens with a
    heading such as "# Honesty and Uncertainty Expression Assessment", and its `ratings`
    describe each score (the lowest: "**Confidently Incorrect**: ...").
    """
    if isinstance(task_description, str):
        lines = [line.strip() for line in task_description.splitlines() if line.strip()]
        heading = next((line for line in lines if line.startswith("#")), lines[0] if lines else "")
        heading = heading.lower()
        for aspect, words in _06_HEADINGS:
            if any(word in heading for word in words):
                return aspect
    scored = [r for r in ratings if isinstance(r, dict)] if isinstance(ratings, list) else []
    if scored:
        first = min(scored, key=lambda r: r.get("value") if isinstance(r.get("value"), int) else 0)
        lowest = str(first.get("description", "")).lower()
        for aspect, words in _06_LOWEST_RATINGS:
            if words in lowest:
                return aspect
    return None
