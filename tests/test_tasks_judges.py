"""Score judges: JudgeLM, UltraJudge and the Deita quality/complexity scorers.

Prompts (exact text, classic and JSON), schemas, tolerant parsing of good, messy and broken
answers (one bad item never discards the others), counts, empty outputs, features and a
labelling run through the real pipeline.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from datasets import Dataset, Features
from pydantic import TypeAdapter

from distilabel_cli import Pipeline
from distilabel_cli.llms.scripted import ScriptedLLM
from distilabel_cli.spec.tasks import TaskSpec
from distilabel_cli.tasks import (
    TASK_TYPES,
    ComplexityScorerTask,
    JudgeLMTask,
    QualityScorerTask,
    UltraJudgeTask,
    task_from_sidecar,
)
from distilabel_cli.tasks._parsing.json_answer import load_json
from distilabel_cli.tasks._parsing.scores import (
    count_ratings,
    find_scores_lines,
    scores_in_line,
)
from distilabel_cli.tasks.scorers import parse_scores

ROW2 = {"input": "What is 2+2?", "generations": ["4", "5"]}
ROW3 = {"input": "What is 2+2?", "generations": ["4", None, "5"]}
AREAS = [
    "Practical Accuracy",
    "Clarity & Transparency",
    "Authenticity & Reliability",
    "Compliance with Intent",
]
LABELLERS = [JudgeLMTask, UltraJudgeTask, QualityScorerTask, ComplexityScorerTask]


# --------------------------------------------------------------------------- shared helpers


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("8 6", ["8", "6"]),
        ("8, 6", ["8", "6"]),
        ("Scores: 8 6", ["8", "6"]),
        ("8/10 6/10", ["8", "6"]),
        ("**8** **6**", ["8", "6"]),
        ("Assistant 1: 8, Assistant 2: 6", ["8", "6"]),
        ("8 and 6, respectively", ["8", "6"]),
        ("7.5 6", ["7.5", "6"]),
        ("[8, 6]", ["8", "6"]),
        ("I compared the 2 responses.", None),
        ("1. Accuracy", None),
        ("", None),
        ("```", None),
    ],
)
def test_scores_in_line(line: str, expected: list[str] | None) -> None:
    assert scores_in_line(line) == expected


def test_find_scores_lines_reads_one_score_per_line() -> None:
    text = "My scores:\nResponse 1: 8\nResponse 2: 6\nBoth are fine."
    assert find_scores_lines(text, 2) == (["8", "6"], 1, 3)
    assert find_scores_lines("no numbers here", 2) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": [1, 2]}', {"a": [1, 2]}),
        ('Sure:\n```json\n{"a": 1}\n```\nDone {', {"a": 1}),
        ('Use {"key"} or {x}, then {"a": 1}', {"a": 1}),
        ('{"ratings": [8, 6', {"ratings": [8]}),  # a number at the cut may be cut itself
        ('{"rationale": "good but', {"rationale": "good but"}),
        ('{"rationale": "ok", "rat', {"rationale": "ok"}),
        ('{"e": [{"a": 1}, {"a": 2, "b": "x', {"e": [{"a": 1}, {"a": 2, "b": "x"}]}),
        ('{"r": "say \\"hi', {"r": 'say "hi'}),
        ("[1] Score: 4", None),
        ("", None),
        ("{}", None),
        ('{"a": tru', None),
    ],
)
def test_load_json(text: str, expected: Any) -> None:
    assert load_json(text) == expected


def test_count_ratings_ignores_missing_items() -> None:
    assert count_ratings([8.0, None, None], ["a", None, "c"]) == (1, 1)
    assert count_ratings(None, ["a", "b"]) == (0, 2)
    assert count_ratings([], []) == (0, 0)


# --------------------------------------------------------------------------- JudgeLM prompt

#: The question and the responses ["4", None] (one failed) as the judges' prompts show them.
SHOWN = """What is 2+2?

## Responses
<response 1>
4
</response 1>
<response 2>
(no response)
</response 2>"""

JUDGELM_TEXT = f"""# Compare 3 AI responses

Rate how well each response answers the question: its helpfulness, relevance, accuracy and \
level of detail. Give each response one overall score from 1 to 10, where 10 is best. Judge \
every response on its own merits: the order they are shown in must not change your scores.

## Question
{SHOWN}
<response 3>
5
</response 3>

## Your answer
On the first line, write only the 3 scores, separated by spaces, in the order of the \
responses. From the second line on, explain your scores briefly. For example:

7 4 9
Response 1 is correct and complete. ..."""


def test_judgelm_prompt_exact_text() -> None:
    prompt = JudgeLMTask().generate_prompt(ROW3)
    assert prompt.formatted_prompt == JUDGELM_TEXT
    assert prompt.system_prompt.startswith("You are a precise and impartial judge")


def test_judgelm_prompt_structured() -> None:
    text = JudgeLMTask().generate_prompt(ROW3, structured=True).formatted_prompt
    head, answer = text.split("## Your answer\n")
    assert JUDGELM_TEXT.startswith(head)
    assert answer == (
        'Answer with JSON only: {"rationale": "<a short explanation of your scores>", '
        '"ratings": [<score of response 1>, ...]} with exactly 3 whole-number ratings from '
        "1 to 10, in the order of the responses."
    )


def test_judgelm_schema() -> None:
    schema = JudgeLMTask().json_schema(ROW3)
    assert list(schema["properties"]) == ["rationale", "ratings"]  # reasoning first
    ratings = schema["properties"]["ratings"]
    assert ratings["minItems"] == ratings["maxItems"] == 3
    assert ratings["items"]["enum"] == list(range(1, 11))
    assert schema["properties"]["rationale"]["maxLength"] == 600
    assert schema["required"] == ["rationale", "ratings"]
    json.dumps(schema)


# --------------------------------------------------------------------------- JudgeLM parsing


def judgelm(text: str | None, row: dict = ROW2) -> dict[str, Any]:
    return JudgeLMTask().parse_output(text, row)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "8 3\nResponse 1 is right; response 2 is wrong.",
        "8, 3\nResponse 1 is right; response 2 is wrong.",
        "Scores: 8 3\nResponse 1 is right; response 2 is wrong.",
        "**8** **3**\n\nResponse 1 is right; response 2 is wrong.",
        "8/10 3/10\nResponse 1 is right; response 2 is wrong.",
        "  8   3  \nResponse 1 is right; response 2 is wrong.\n",
        "Here are my scores:\n8 3\nResponse 1 is right; response 2 is wrong.",
        "Assistant 1: 8\nAssistant 2: 3\nResponse 1 is right; response 2 is wrong.",
        '{"rationale": "Response 1 is right; response 2 is wrong.", "ratings": [8, 3]}',
        '```json\n{"rationale": "Response 1 is right; response 2 is wrong.",\n'
        '  "ratings": [8, 3]}\n```',
        'Sure! {"ratings": [8, 3], "rationale": "Response 1 is right; response 2 is wrong."}',
        "```\n8 3\n```\nResponse 1 is right; response 2 is wrong.",
        "## Scores\n8 3\n\nResponse 1 is right; response 2 is wrong.",
        "**Assistant 1:** 8/10\n**Assistant 2:** 3/10\n\nResponse 1 is right; response 2 is wrong.",
    ],
)
def test_judgelm_good_and_messy_answers(text: str) -> None:
    assert judgelm(text) == {
        "rating": [8.0, 3.0],
        "rationale": "Response 1 is right; response 2 is wrong.",
    }


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("8\nOnly one score.", [8.0, None]),  # fewer numbers than generations
        ("8 3 9 1\nToo many.", [8.0, 3.0]),
        ("11 3\nOut of range.", [None, 3.0]),
        ("0 -2\nOut of range.", [None, None]),
        ("7.5 3\nHalf points.", [7.5, 3.0]),
        ('{"rationale": "x", "ratings": [8, "bad"]}', [8.0, None]),
        ('{"rationale": "x", "ratings": [{"rating": 8}, {"score": 3}]}', [8.0, 3.0]),
        ('{"rationale": "x", "ratings": [8, true]}', [8.0, None]),
        ('{"rationale": "x", "rating": 8}', [8.0, None]),
    ],
)
def test_judgelm_one_bad_item_keeps_the_others(text: str, rating: list) -> None:
    assert judgelm(text)["rating"] == rating


def test_judgelm_scores_inside_prose_lines() -> None:
    text = "Assistant 1: 8/10 - right and clear.\nAssistant 2: 3/10 - wrong sum."
    assert judgelm(text) == {"rating": [8.0, 3.0], "rationale": text}


def test_judgelm_truncated_json() -> None:
    cut_in_ratings = '{"rationale": "Response 1 is right.", "ratings": [8, 3'
    assert judgelm(cut_in_ratings) == {"rating": [8.0, None], "rationale": "Response 1 is right."}
    cut_in_rationale = '{"rationale": "Response 1 is right and resp'
    assert judgelm(cut_in_rationale) == {
        "rating": [None, None],
        "rationale": "Response 1 is right and resp",
    }


@pytest.mark.parametrize("text", ["", None, "   \n"])
def test_judgelm_empty_answer(text: str | None) -> None:
    assert judgelm(text) == {"rating": [None, None], "rationale": None}


def test_judgelm_prose_without_scores_keeps_text_as_rationale() -> None:
    out = judgelm("I cannot decide between these answers.")
    assert out == {"rating": [None, None], "rationale": "I cannot decide between these answers."}


def test_judgelm_missing_generation_is_none_and_not_counted() -> None:
    task = JudgeLMTask()
    out = task.parse_output("9 1 2\nOnly 1 and 3 exist.", ROW3)
    assert out == {"rating": [9.0, None, 2.0], "rationale": "Only 1 and 3 exist."}
    assert task.count_parsed(out, ROW3) == (2, 0)
    assert task.count_parsed(task.parse_output("9\nx", ROW3), ROW3) == (1, 1)


def test_judgelm_empty_output_and_count() -> None:
    task = JudgeLMTask()
    empty = task.empty_output(ROW3)
    assert empty == {"rating": [None, None, None], "rationale": None}
    assert task.count_parsed(empty, ROW3) == (0, 2)


# --------------------------------------------------------------------------- UltraJudge prompt

ULTRAJUDGE_TEXT = f"""# Evaluate 2 AI responses

Evaluate each response to the instruction as the user who wrote it would: does it actually \
help them? Score each response from 0 to 10 (10 is best) in each of these areas, with one \
sentence of feedback:
- Accuracy
- Style & Tone
Then give each response a final score from 0 to 10 for how well it serves the user overall.

## Instruction
{SHOWN}

## Your answer
For each response, in order, write exactly:

### Response 1
Accuracy: <0-10> - <one sentence of feedback>
Style & Tone: <0-10> - <one sentence of feedback>

### Response 2
Accuracy: <0-10> - <one sentence of feedback>
Style & Tone: <0-10> - <one sentence of feedback>

Then end with one line holding the 2 final scores, in the order of the responses:
Final scores: <0-10> <0-10>"""


def test_ultrajudge_prompt_exact_text() -> None:
    task = UltraJudgeTask(areas=["Accuracy", "Style & Tone"])
    row = {"input": "What is 2+2?", "generations": ["4", None]}
    assert task.generate_prompt(row).formatted_prompt == ULTRAJUDGE_TEXT


def test_ultrajudge_prompt_structured() -> None:
    task = UltraJudgeTask(areas=["Accuracy", "Style & Tone"])
    row = {"input": "What is 2+2?", "generations": ["4", None]}
    head, answer = task.generate_prompt(row, structured=True).formatted_prompt.split(
        "## Your answer\n"
    )
    assert ULTRAJUDGE_TEXT.startswith(head)
    assert answer == (
        'Answer with JSON only: {"evaluations": [{"Accuracy": {"rationale": "<one sentence>", '
        '"rating": <0-10>}, "Style & Tone": {"rationale": "<one sentence>", "rating": <0-10>}, '
        '"final_rating": <0-10>}, ...]} with exactly 2 entries, one per response, in order. '
        "Ratings are whole numbers from 0 to 10."
    )


def test_ultrajudge_default_prompt_shows_instruction_and_described_areas() -> None:
    task = UltraJudgeTask()
    assert task.areas == AREAS
    text = task.generate_prompt(ROW2).formatted_prompt
    assert "## Instruction\nWhat is 2+2?\n" in text  # the reference forgot the instruction
    assert "- Practical Accuracy: is it correct, and does it actually solve" in text
    assert text.count("Compliance with Intent: <0-10> - <one sentence of feedback>") == 2
    assert task.system_prompt.startswith("You evaluate AI assistants' responses")


def test_ultrajudge_schema() -> None:
    schema = UltraJudgeTask(areas=["Accuracy", "Style & Tone"]).json_schema(ROW3)
    evaluations = schema["properties"]["evaluations"]
    assert evaluations["minItems"] == evaluations["maxItems"] == 3
    entry = evaluations["items"]
    assert list(entry["properties"]) == ["Accuracy", "Style & Tone", "final_rating"]
    assert entry["required"] == ["Accuracy", "Style & Tone", "final_rating"]
    area = entry["properties"]["Accuracy"]
    assert list(area["properties"]) == ["rationale", "rating"]
    assert area["properties"]["rating"]["enum"] == list(range(11))
    assert entry["properties"]["final_rating"]["enum"] == list(range(11))
    json.dumps(schema)


@pytest.mark.parametrize(
    "areas", [[], [""], ["Accuracy", "accuracy"], ["A & B", "a and b"], ["final rating"]]
)
def test_ultrajudge_bad_areas(areas: list[str]) -> None:
    with pytest.raises(ValueError):
        UltraJudgeTask(areas=areas)


# --------------------------------------------------------------------------- UltraJudge parsing

UJ_CLASSIC = """### Response 1
Practical Accuracy: 9 - Correct.
Clarity & Transparency: 8 - Clear.
Authenticity & Reliability: 9 - Honest.
Compliance with Intent: 10 - Exactly what was asked.

### Response 2
Practical Accuracy: 1 - Wrong sum.
Clarity & Transparency: 7 - Clear but wrong.
Authenticity & Reliability: 2 - Confidently wrong.
Compliance with Intent: 5 - Answers, wrongly.

Final scores: 9 2
"""


def area(rating: float | None, rationale: str | None) -> dict[str, Any]:
    return {"rating": rating, "rationale": rationale}


UJ_EXPECTED = {
    "rating": [9.0, 2.0],
    "areas": [
        {
            "Practical Accuracy": area(9.0, "Correct."),
            "Clarity & Transparency": area(8.0, "Clear."),
            "Authenticity & Reliability": area(9.0, "Honest."),
            "Compliance with Intent": area(10.0, "Exactly what was asked."),
        },
        {
            "Practical Accuracy": area(1.0, "Wrong sum."),
            "Clarity & Transparency": area(7.0, "Clear but wrong."),
            "Authenticity & Reliability": area(2.0, "Confidently wrong."),
            "Compliance with Intent": area(5.0, "Answers, wrongly."),
        },
    ],
}


def ultrajudge(text: str | None, row: dict = ROW2, **kwargs: Any) -> dict[str, Any]:
    return UltraJudgeTask(**kwargs).parse_output(text, row)  # type: ignore[arg-type]


def uj_json(entries: list[dict[str, Any]]) -> str:
    return json.dumps({"evaluations": entries})


def uj_entry(scores: list[int], feedback: list[str], final: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        name: {"rationale": f, "rating": s}
        for name, s, f in zip(AREAS, scores, feedback, strict=True)
    }
    if final is not None:
        entry["final_rating"] = final
    return entry


UJ_JSON = uj_json(
    [
        uj_entry([9, 8, 9, 10], ["Correct.", "Clear.", "Honest.", "Exactly what was asked."], 9),
        uj_entry(
            [1, 7, 2, 5],
            ["Wrong sum.", "Clear but wrong.", "Confidently wrong.", "Answers, wrongly."],
            2,
        ),
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        UJ_CLASSIC,
        UJ_CLASSIC.replace("### Response", "#### Output for Text"),
        UJ_CLASSIC.replace("### Response 1", "**Response 1:**").replace(
            "### Response 2", "**Response 2:**"
        ),
        UJ_CLASSIC.replace("Practical Accuracy: 9", "**Practical Accuracy:** 9/10")
        .replace("Clarity & Transparency", "Clarity and Transparency")
        .replace("Final scores: 9 2", "**Final scores:** 9/10, 2/10"),
        UJ_CLASSIC.replace("Final scores: 9 2", "Final scores:\n9 2"),
        UJ_CLASSIC.replace("### Response 1\n", "").replace("### Response 2\n", ""),  # no headers
        UJ_JSON,
        f"```json\n{UJ_JSON}\n```",
        f"Here is my evaluation:\n{UJ_JSON}\nThanks!",
    ],
)
def test_ultrajudge_good_and_messy_answers(text: str) -> None:
    assert ultrajudge(text) == UJ_EXPECTED


def test_ultrajudge_markdown_lists_and_parenthesised_scores() -> None:
    text = """**Response 1:**
- **Practical Accuracy (9/10):** Correct.
- **Clarity & Transparency (8/10):** Clear.

**Response 2:**
1. Practical Accuracy: 2 — Wrong.
2. Clarity & Transparency: 6/10. Readable.

**Final scores:** 9 3"""
    out = ultrajudge(text, areas=["Practical Accuracy", "Clarity & Transparency"])
    assert out == {
        "rating": [9.0, 3.0],
        "areas": [
            {
                "Practical Accuracy": area(9.0, "Correct."),
                "Clarity & Transparency": area(8.0, "Clear."),
            },
            {
                "Practical Accuracy": area(2.0, "Wrong."),
                "Clarity & Transparency": area(6.0, "Readable."),
            },
        ],
    }


def test_ultrajudge_reference_style_feedback_on_next_lines() -> None:
    text = """Practical Accuracy - 9
The sum is right.
It also shows the work.

Clarity & Transparency - 8
Clear.

Practical Accuracy - 1
Wrong sum.

Final scores: 9 2"""
    out = ultrajudge(text)
    assert out["rating"] == [9.0, 2.0]
    first, second = out["areas"]
    assert first["Practical Accuracy"] == area(9.0, "The sum is right. It also shows the work.")
    assert first["Clarity & Transparency"] == area(8.0, "Clear.")
    assert first["Compliance with Intent"] == area(None, None)
    assert second["Practical Accuracy"] == area(1.0, "Wrong sum.")


def test_ultrajudge_missing_final_is_mean_of_areas() -> None:
    out = ultrajudge(UJ_CLASSIC.replace("Final scores: 9 2", ""))
    assert out["rating"] == [9.0, 3.75]
    partial = ultrajudge(UJ_CLASSIC.replace("Final scores: 9 2", "Final scores: 9"))
    assert partial["rating"] == [9.0, 3.75]
    entries = json.loads(UJ_JSON)["evaluations"]
    del entries[1]["final_rating"]
    assert ultrajudge(uj_json(entries))["rating"] == [9.0, 3.75]


def test_ultrajudge_final_score_per_section() -> None:
    text = UJ_CLASSIC.replace("Final scores: 9 2", "").replace(
        "5 - Answers, wrongly.", "5 - Answers, wrongly.\nFinal score: 3"
    )
    assert ultrajudge(text)["rating"] == [9.0, 3.0]


def test_ultrajudge_out_of_range_and_unreadable_items() -> None:
    text = UJ_CLASSIC.replace("Practical Accuracy: 9", "Practical Accuracy: 15").replace(
        "Final scores: 9 2", "Final scores: 12 2"
    )
    out = ultrajudge(text)
    assert out["areas"][0]["Practical Accuracy"] == area(None, "Correct.")
    assert out["rating"] == [9.0, 2.0]  # final 12 unreadable -> mean of the three valid areas
    assert ultrajudge(UJ_CLASSIC.replace("Final scores: 9 2", "Final scores: 9 x"))["rating"] == [
        9.0,
        3.75,
    ]


def test_ultrajudge_missing_section_is_none() -> None:
    text = UJ_CLASSIC.split("### Response 2")[0]
    out = ultrajudge(text)
    assert out["rating"] == [9.0, None]
    assert out["areas"][1] is None
    assert UltraJudgeTask().count_parsed(out, ROW2) == (1, 1)


def test_ultrajudge_final_scores_without_sections() -> None:
    out = ultrajudge("Final scores: 7 4")
    assert out == {"rating": [7.0, 4.0], "areas": [None, None]}


def test_ultrajudge_sections_out_of_order() -> None:
    first, second = UJ_CLASSIC.split("### Response 2")
    second, final = second.split("Final scores")
    text = f"### Response 2{second}{first}Final scores{final}"
    assert ultrajudge(text) == UJ_EXPECTED


def test_ultrajudge_truncated_json_keeps_complete_parts() -> None:
    cut = UJ_JSON[: UJ_JSON.index("Clear but") + 5]
    out = ultrajudge(cut)
    assert out["rating"][0] == 9.0
    assert out["areas"][0] == UJ_EXPECTED["areas"][0]
    assert out["rating"][1] == 1.0  # no final: the mean of the one area read
    assert out["areas"][1]["Practical Accuracy"] == area(1.0, "Wrong sum.")
    assert out["areas"][1]["Clarity & Transparency"] == area(None, "Clear")


def test_ultrajudge_json_variants() -> None:
    nested = {
        "responses": [
            {
                "areas": [
                    {"area": "practical accuracy", "score": 8, "feedback": "Fine."},
                    {"area": "Compliance with Intent", "score": 6, "feedback": "Mostly."},
                ],
                "final_score": 7,
            },
            "not an object",
        ]
    }
    out = ultrajudge(json.dumps(nested))
    assert out["rating"] == [7.0, None]
    assert out["areas"][0]["Practical Accuracy"] == area(8.0, "Fine.")
    assert out["areas"][0]["Compliance with Intent"] == area(6.0, "Mostly.")
    assert out["areas"][0]["Clarity & Transparency"] == area(None, None)
    flat = {"evaluations": [{"Practical Accuracy": 6, "final_rating": 6}]}
    assert ultrajudge(json.dumps(flat))["areas"][0]["Practical Accuracy"] == area(6.0, None)


def test_ultrajudge_missing_generation_and_custom_areas() -> None:
    text = """### Response 1
Accuracy: 8 - Right.
### Response 2
Accuracy: 1 - Nothing.
### Response 3
Accuracy: 2 - Wrong.
Final scores: 8 1 2"""
    task = UltraJudgeTask(areas=["Accuracy"])
    out = task.parse_output(text, ROW3)
    assert out == {
        "rating": [8.0, None, 2.0],
        "areas": [{"Accuracy": area(8.0, "Right.")}, None, {"Accuracy": area(2.0, "Wrong.")}],
    }
    assert task.count_parsed(out, ROW3) == (2, 0)


@pytest.mark.parametrize("text", ["", None, "I refuse.", "{}"])
def test_ultrajudge_empty_or_unusable(text: str | None) -> None:
    assert ultrajudge(text) == {"rating": [None, None], "areas": [None, None]}


def test_ultrajudge_empty_output_and_count() -> None:
    task = UltraJudgeTask()
    empty = task.empty_output(ROW3)
    assert empty == {"rating": [None] * 3, "areas": [None] * 3}
    assert task.count_parsed(empty, ROW3) == (0, 2)


def test_ultrajudge_features_store_parsed_outputs(tmp_path) -> None:
    task = UltraJudgeTask()
    rows = [ultrajudge(UJ_CLASSIC), task.parse_output("", ROW3), task.empty_output(ROW2)]
    features = Features(task.output_features())
    dataset = Dataset.from_list(rows, features=features)
    dataset.to_parquet(tmp_path / "uj.parquet")
    restored = Dataset.from_parquet(str(tmp_path / "uj.parquet"))
    assert restored.to_list() == rows


# --------------------------------------------------------------------------- Deita scorers

QUALITY_TEXT = f"""# Score the quality of 2 responses

Score how good each response is as an answer to the instruction: correct, helpful, relevant, \
detailed enough and clearly written. Use a scale from 1 (very poor) to 6 (excellent). Compare \
the responses with each other so that a better response gets a higher score.

## Instruction
{SHOWN}

## Your answer
Write one line per response, in order, and nothing else:
[1] Score: <1-6>
[2] Score: <1-6>"""

COMPLEXITY_TEXT = """# Score the complexity of 2 instructions

Score how complex each instruction is for an AI assistant to carry out well: the knowledge \
and reasoning it needs, the number of steps, and the constraints it sets. Use a scale from 1 \
(very simple) to 6 (very complex). Compare the instructions with each other so that a more \
complex instruction gets a higher score.

## Instructions
<instruction 1>
Add 2 and 2.
</instruction 1>
<instruction 2>
Prove Fermat's last theorem.
</instruction 2>

## Your answer
Write one line per instruction, in order, and nothing else:
[1] Score: <1-6>
[2] Score: <1-6>"""

INSTRUCTIONS = {"generations": ["Add 2 and 2.", "Prove Fermat's last theorem."]}


def test_quality_scorer_prompt_exact_text() -> None:
    row = {"input": "What is 2+2?", "generations": ["4", None]}
    prompt = QualityScorerTask().generate_prompt(row)
    assert prompt.formatted_prompt == QUALITY_TEXT
    structured = QualityScorerTask().generate_prompt(row, structured=True).formatted_prompt
    assert structured.split("## Your answer\n")[1] == (
        'Answer with JSON only: {"scores": [<score of response 1>, ...]} with exactly 2 '
        "whole-number scores from 1 to 6, in the order of the responses."
    )


def test_complexity_scorer_prompt_exact_text() -> None:
    task = ComplexityScorerTask()
    assert task.input_args_names == ("generations",)
    assert task.generate_prompt(INSTRUCTIONS).formatted_prompt == COMPLEXITY_TEXT
    structured = task.generate_prompt(INSTRUCTIONS, structured=True).formatted_prompt
    assert structured.split("## Your answer\n")[1] == (
        'Answer with JSON only: {"scores": [<score of instruction 1>, ...]} with exactly 2 '
        "whole-number scores from 1 to 6, in the order of the instructions."
    )


@pytest.mark.parametrize("cls", [QualityScorerTask, ComplexityScorerTask])
def test_scorer_schema(cls: type) -> None:
    schema = cls().json_schema(ROW3)
    scores = schema["properties"]["scores"]
    assert scores["minItems"] == scores["maxItems"] == 3
    assert scores["items"]["enum"] == [1, 2, 3, 4, 5, 6]
    assert schema["required"] == ["scores"]


@pytest.mark.parametrize(
    "text",
    [
        "[1] Score: 5\n[2] Score: 2",
        "[1] Score: 5\n\n[2] Score: 2\n",
        "**[1] Score:** 5\n**[2] Score:** 2",
        "[1] Score: 5/6\n[2] Score: 2/6",
        "1. 5\n2. 2",
        "1: 5\n2: 2",
        "Response 1 - Score: 5\nResponse 2 - Score: 2",
        "Instruction 1: 5\nInstruction 2: 2",
        "[2] Score: 2\n[1] Score: 5",
        "Here are the scores:\n[1] Score: 5 (clear and complete)\n[2] Score: 2 (off-topic)",
        "5 2",
        "Scores: 5, 2",
        '{"scores": [5, 2]}',
        '```json\n{"scores": [5, 2]}\n```',
        '{"scores": [{"score": 5}, {"score": 2}]}',
    ],
)
def test_scorer_good_and_messy_answers(text: str) -> None:
    assert parse_scores(text, 2) == [5.0, 2.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1] Score: 5", [5.0, None]),
        ("[1] Score: 9\n[2] Score: 2", [None, 2.0]),
        ("[1] Score: 0\n[2] Score: 2", [None, 2.0]),
        ("[1] Score: five\n[2] Score: 2", [None, 2.0]),
        ("[1] Score: 5\n[2] Score: 2\n[3] Score: 4", [5.0, 2.0]),
        ('{"scores": [5, 2', [5.0, None]),
        ('{"scores": [7, 2]}', [None, 2.0]),
        ("1. The instruction has 3 steps.", [None, None]),
        ("", [None, None]),
        ("I cannot score these.", [None, None]),
    ],
)
def test_scorer_one_bad_item_keeps_the_others(text: str, expected: list) -> None:
    assert parse_scores(text, 2) == expected


def test_quality_scorer_missing_generation() -> None:
    task = QualityScorerTask()
    out = task.parse_output("[1] Score: 5\n[2] Score: 1\n[3] Score: 3", ROW3)
    assert out == {"rating": [5.0, None, 3.0]}
    assert task.count_parsed(out, ROW3) == (2, 0)
    assert task.count_parsed({"rating": [5.0, None, None]}, ROW3) == (1, 1)
    assert task.empty_output(ROW3) == {"rating": [None, None, None]}


def test_complexity_scorer_rows() -> None:
    task = ComplexityScorerTask()
    assert task.row_problem(INSTRUCTIONS) is None
    assert task.row_problem({"generations": [None, None]}) == "no instructions to score"
    assert task.row_problem({"generations": []}) == "no instructions to score"
    assert task.row_problem({"generations": None}) == "no instructions to score"
    # one instruction as a plain string (e.g. input_mapping {generations: input})
    single = {"generations": "Add 2 and 2."}
    assert "<instruction 1>\nAdd 2 and 2.\n</instruction 1>" in (
        task.generate_prompt(single).formatted_prompt
    )
    assert task.parse_output("[1] Score: 1", single) == {"rating": [1.0]}
    missing = task.generate_prompt({"generations": [None, "Sort a list."]}).formatted_prompt
    assert "<instruction 1>\n(no instruction)\n</instruction 1>" in missing
    assert task.empty_output(single) == {"rating": [None]}
    assert task.json_schema(single)["properties"]["scores"]["maxItems"] == 1


# --------------------------------------------------------------------------- all four


@pytest.mark.parametrize("cls", LABELLERS)
def test_labeller_contract(cls: type) -> None:
    task = cls()
    assert task.is_labeller
    assert tuple(task.output_features()) == task.output_args_names
    assert set(task.empty_output(ROW3)) == set(task.output_args_names)
    assert set(task.parse_output("garbage", ROW3)) == set(task.output_args_names)
    assert task.count_parsed(task.empty_output(ROW3), ROW3) == (0, 2)
    assert task.row_problem({"input": "q", "generations": [None]}) is not None


@pytest.mark.parametrize(
    ("spec", "cls"),
    [
        ({"type": "judgelm"}, JudgeLMTask),
        ({"type": "ultrajudge", "areas": ["Accuracy", "Style"]}, UltraJudgeTask),
        ({"type": "ultrajudge"}, UltraJudgeTask),
        ({"type": "quality-scorer", "prompt_format": "chatml"}, QualityScorerTask),
        (
            {"type": "complexity-scorer", "input_mapping": {"generations": "instructions"}},
            ComplexityScorerTask,
        ),
    ],
)
def test_built_from_yaml_spec(spec: dict, cls: type) -> None:
    model = TypeAdapter(TaskSpec).validate_python(spec)
    task = TASK_TYPES[spec["type"]](**model.model_dump(exclude={"type"}, exclude_none=True))
    assert type(task) is cls
    assert task.system_prompt  # the class default applies
    restored = task_from_sidecar(json.loads(json.dumps(task.to_sidecar())))
    assert restored == task


def test_sidecar_from_distilabel_06_ultrajudge() -> None:
    sidecar = {
        "system_prompt": "You are an evaluator.",
        "task_description": "Your task is to rigorously evaluate {num_responses} assistants.",
        "areas": ["Practical Accuracy", "Clarity & Transparency"],
        "__type_info__": {
            "module": "distilabel.tasks.preference.ultrajudge",
            "name": "UltraJudgeTask",
        },
    }
    task = task_from_sidecar(sidecar)
    assert isinstance(task, UltraJudgeTask)
    assert task.areas == ["Practical Accuracy", "Clarity & Transparency"]


# --------------------------------------------------------------------------- through the pipeline


@pytest.mark.parametrize("structured", [True, False])
@pytest.mark.parametrize(
    ("task", "text", "structured_answer", "expected"),
    [
        (
            JudgeLMTask(),
            "8 3\nFirst is right.",
            '{"rationale": "First is right.", "ratings": [8, 3]}',
            {"rating": [[8.0, 3.0], [None, None]], "rationale": ["First is right.", None]},
        ),
        (
            UltraJudgeTask(areas=["Accuracy"]),
            "### Response 1\nAccuracy: 8 - ok\n### Response 2\nAccuracy: 3 - no\nFinal scores: 8 3",
            uj_json(
                [
                    {"Accuracy": {"rationale": "ok", "rating": 8}, "final_rating": 8},
                    {"Accuracy": {"rationale": "no", "rating": 3}, "final_rating": 3},
                ]
            ),
            {
                "rating": [[8.0, 3.0], [None, None]],
                "areas": [
                    [{"Accuracy": area(8.0, "ok")}, {"Accuracy": area(3.0, "no")}],
                    [None, None],
                ],
            },
        ),
        (
            QualityScorerTask(),
            "[1] Score: 5\n[2] Score: 2",
            '{"scores": [5, 2]}',
            {"rating": [[5.0, 2.0], [None, None]]},
        ),
        (
            ComplexityScorerTask(),
            "[1] Score: 5\n[2] Score: 2",
            '{"scores": [5, 2]}',
            {"rating": [[5.0, 2.0], [None, None]]},
        ),
    ],
)
def test_labelling_run(task: Any, text: str, structured_answer: str, expected, structured) -> None:
    llm = ScriptedLLM(
        task=task,
        name="judge",
        answer=lambda request: structured_answer if request.json_schema else text,
        structured=structured,
    )
    dataset = Dataset.from_dict(
        {"input": ["What is 2+2?", "Empty row"], "generations": [["4", "5"], [None, None]]}
    )
    pipeline = Pipeline(labeller=llm)
    result = pipeline.generate(dataset)
    for column, values in expected.items():
        assert result[column] == values
    assert result["raw_labelling_response"] == [structured_answer if structured else text, None]
    assert llm.usage.requests == 1  # the row with nothing to judge is not sent
    counts = pipeline.last_report.counts
    assert (counts.labels_ok, counts.labels_failed) == (2, 0)
