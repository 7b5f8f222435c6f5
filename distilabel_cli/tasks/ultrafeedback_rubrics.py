"""The five UltraFeedback aspects: what is judged and what each score 1-5 means."""

from __future__ import annotations

from typing import NamedTuple


class Rubric(NamedTuple):
    """One aspect: its title, what the judge looks at, and the meaning of scores 1..5."""

    title: str
    description: str
    scores: tuple[str, str, str, str, str]


RUBRICS: dict[str, Rubric] = {
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
