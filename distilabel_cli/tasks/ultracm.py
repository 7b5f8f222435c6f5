"""UltraCMTask: critique one response to an instruction and score it 1-10."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from distilabel_cli.tasks._parsing.critique import (
    count_problem,
    present_responses,
    read_score,
    score_patterns,
)
from distilabel_cli.tasks.base import render_template
from distilabel_cli.tasks.critique_judge import CritiqueJudge
from distilabel_cli.tasks.prompt import Prompt

MIN_SCORE, MAX_SCORE = 1, 10
DEFAULT_SYSTEM_PROMPT = (
    "You are a demanding but fair reviewer of AI assistant answers. You point out concrete "
    "strengths and flaws and score consistently."
)
ONE_RESPONSE_REMEDY = "set run.num_generations: 1, or use input.explode: generations"

_PATTERNS = score_patterns(MAX_SCORE, r"\boverall\s+score", r"\bscore", r"\brating")
#: A first line that is only a score ("7", "**8/10**"), as some critics answer score-first.
_FIRST_LINE = re.compile(r"[\s*#_]*(\d+(?:\.\d+)?)\s*(?:/\s*10)?[\s*_.]*$", re.M)


class UltraCMTask(CritiqueJudge):
    """UltraCM critic: `critique` (str) and `score` (float, 1-10) of the row's one response."""

    task_type: ClassVar[str] = "ultracm"
    default_system_prompt: ClassVar[str] = DEFAULT_SYSTEM_PROMPT

    score_range: ClassVar[tuple[int, int]] = (MIN_SCORE, MAX_SCORE)
    #: The scale of `score` when reviewed in Argilla.
    rating_scale: ClassVar[tuple[int, int]] = (MIN_SCORE, MAX_SCORE)

    def row_problem(self, row: dict[str, Any]) -> str | None:
        return count_problem(row, "ultracm", 1, ONE_RESPONSE_REMEDY)

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        responses = present_responses(row)
        text = render_template(
            "ultracm.jinja2",
            instruction=row["input"],
            response=responses[0][1] if responses else "(no response)",
            structured=structured,
        )
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def read(self, text: str | None) -> tuple[str | None, float | None]:
        return parse_critique(text)


def parse_critique(text: str | None) -> tuple[str | None, float | None]:
    """(critique, score 1-10) from a JSON or classic text answer; None where unreadable."""
    return read_score(text, _PATTERNS, MIN_SCORE, MAX_SCORE, first_line=_FIRST_LINE)
