"""UltraCMTask: critique one response to an instruction and score it 1-10."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from datasets import Value

from distilabel_cli.tasks.base import Task, render_template
from distilabel_cli.tasks.critique import (
    CRITIQUE_KEYS,
    SCORE_KEYS,
    clean_critique,
    count_problem,
    json_answer,
    pick,
    present_responses,
    read_score,
    score_patterns,
    single_count,
)
from distilabel_cli.tasks.parsing import to_rating
from distilabel_cli.tasks.prompt import Prompt

MIN_SCORE, MAX_SCORE = 1, 10
#: Keeps a rambling judge within its token budget.
MAX_CRITIQUE_CHARS = 800
DEFAULT_SYSTEM_PROMPT = (
    "You are a demanding but fair reviewer of AI assistant answers. You point out concrete "
    "strengths and flaws and score consistently."
)
ONE_RESPONSE_REMEDY = "set run.num_generations: 1, or use input.explode: generations"

_PATTERNS = score_patterns(MAX_SCORE, r"\boverall\s+score", r"\bscore", r"\brating")
#: A first line that is only a score ("7", "**8/10**"), as some critics answer score-first.
_FIRST_LINE = re.compile(r"[\s*#_]*(\d+(?:\.\d+)?)\s*(?:/\s*10)?[\s*_.]*$", re.M)


class UltraCMTask(Task):
    """UltraCM critic: `critique` (str) and `score` (float, 1-10) of the row's one response."""

    system_prompt: str = DEFAULT_SYSTEM_PROMPT

    input_args_names: ClassVar[tuple[str, ...]] = ("input", "generations")
    output_args_names: ClassVar[tuple[str, ...]] = ("critique", "score")
    is_labeller: ClassVar[bool] = True

    def responses_per_row(self) -> int:
        return 1

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

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {  # the critique first, then the score it leads to
                "critique": {"type": "string", "maxLength": MAX_CRITIQUE_CHARS},
                "score": {"type": "integer", "enum": list(range(MIN_SCORE, MAX_SCORE + 1))},
            },
            "required": ["critique", "score"],
            "additionalProperties": False,
        }

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        critique, score = parse_critique(text)
        return {"critique": critique, "score": score}

    def output_features(self) -> dict[str, Any]:
        return {"critique": Value("string"), "score": Value("float64")}

    def count_parsed(self, outputs: dict[str, Any], row: dict[str, Any]) -> tuple[int, int]:
        return single_count(outputs.get("score"), row)


def parse_critique(text: str | None) -> tuple[str | None, float | None]:
    """(critique, score 1-10) from a JSON or classic text answer; None where unreadable."""
    if not text:
        return None, None
    data = json_answer(text, SCORE_KEYS)
    if data is not None:
        critique = clean_critique(pick(data, CRITIQUE_KEYS))
        return critique, to_rating(pick(data, SCORE_KEYS), MIN_SCORE, MAX_SCORE)
    return read_score(text, _PATTERNS, MIN_SCORE, MAX_SCORE, first_line=_FIRST_LINE)
