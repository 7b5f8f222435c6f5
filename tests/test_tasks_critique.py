"""Critique judges: UltraCM (a critique and a 1-10 score) and Prometheus (absolute 1-5 against
a rubric, or relative A/B), their prompts, schemas, tolerant parsing and pipeline columns."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from datasets import Dataset, List, Value
from pydantic import TypeAdapter

from distilabel_cli import Pipeline
from distilabel_cli.llms.scripted import Request, ScriptedLLM
from distilabel_cli.spec.tasks import TaskSpec
from distilabel_cli.tasks import TASK_TYPES, task_from_sidecar
from distilabel_cli.tasks.prometheus import PrometheusTask, parse_absolute, parse_relative
from distilabel_cli.tasks.ultracm import UltraCMTask, parse_critique

RUBRIC = {
    1: "Wrong answer.",
    2: "Mostly wrong.",
    3: "Partly right.",
    4: "Right with small slips.",
    5: "Fully right and clear.",
}
CRITERIA = "Is the answer factually correct?"
ROW1 = {"input": "What is the capital of France?", "generations": ["Paris."]}
ROW2 = {"input": "What is the capital of France?", "generations": ["Paris.", "Lyon."]}


def absolute(**kwargs: Any) -> PrometheusTask:
    return PrometheusTask(scoring_criteria=CRITERIA, score_descriptions=RUBRIC, **kwargs)


def relative(**kwargs: Any) -> PrometheusTask:
    return PrometheusTask(scoring_criteria=CRITERIA, mode="relative", **kwargs)


# --------------------------------------------------------------------------- prompts

ULTRACM_HEAD = """# Critique task

Review the response to the instruction below. Say what it does well, what is wrong, missing \
or unclear, and how it could be improved. Then score it from 1 (useless or wrong) to 10 \
(perfect).

## Instruction
What is the capital of France?

## Response
<response>
Paris.
</response>

## Your answer
"""


def test_ultracm_text_prompt_exact() -> None:
    prompt = UltraCMTask().generate_prompt(ROW1)
    assert prompt.formatted_prompt == ULTRACM_HEAD + (
        "Write exactly two parts, the score on the last line:\n\n"
        "Critique: <your critique, a few sentences>\n"
        "Overall Score: <a whole number from 1 to 10>"
    )
    assert prompt.system_prompt.startswith("You are a demanding but fair reviewer")


def test_ultracm_structured_prompt_exact_and_plain_string_generation() -> None:
    row = {**ROW1, "generations": "Paris."}
    prompt = UltraCMTask(system_prompt="SYS").generate_prompt(row, structured=True)
    assert prompt.formatted_prompt == ULTRACM_HEAD + (
        'Answer with JSON only, the critique first: {"critique": "<your critique, a few '
        'sentences>", "score": <1-10>}'
    )
    assert prompt.format_as("chatml").startswith("<|im_start|>system\nSYS<|im_end|>")


def test_ultracm_prompt_shows_the_one_response_among_failed_ones() -> None:
    row = {**ROW1, "generations": [None, "Paris."]}
    assert "<response>\nParis.\n</response>" in UltraCMTask().generate_prompt(row).formatted_prompt


PROMETHEUS_ABSOLUTE = """# Grading task

Grade the response to the instruction below strictly by the rubric. Judge only what the \
rubric asks about.
A reference answer that deserves a 5 is given for comparison.

## Instruction
What is the capital of France?

## Response
<response>
Paris.
</response>

## Reference answer (score 5)
<reference>
Paris is the capital of France.
</reference>

## Rubric: Is the answer factually correct?
Score 1: Wrong answer.
Score 2: Mostly wrong.
Score 3: Partly right.
Score 4: Right with small slips.
Score 5: Fully right and clear.

## Your answer
Write your feedback, then "[RESULT]" and the score, on one line exactly like this:

Feedback: <how well the response meets the rubric, a few sentences> [RESULT] <a whole \
number from 1 to 5>"""


def test_prometheus_absolute_prompt_exact_with_reference() -> None:
    row = {**ROW1, "ref_completion": "Paris is the capital of France."}
    assert absolute().generate_prompt(row).formatted_prompt == PROMETHEUS_ABSOLUTE


def test_prometheus_absolute_structured_without_reference() -> None:
    text = absolute().generate_prompt(ROW1, structured=True).formatted_prompt
    assert "reference" not in text.lower()
    assert "strictly by the rubric. Judge only what the rubric asks about.\n\n## Instruction" in (
        text
    )
    assert "</response>\n\n## Rubric: Is the answer factually correct?\nScore 1:" in text
    assert text.endswith(
        'Answer with JSON only, the feedback first: {"feedback": "<how well the response meets '
        'the rubric, a few sentences>", "score": <1-5>}'
    )
    # a None reference is no reference
    assert absolute().generate_prompt({**ROW1, "ref_completion": None}).formatted_prompt == (
        absolute().generate_prompt(ROW1).formatted_prompt
    )


PROMETHEUS_RELATIVE = """# Comparison task

Compare two responses, A and B, to the instruction below and decide which one better meets \
the criterion. Judge only what the criterion asks about; the order of the responses does not \
matter.

## Instruction
What is the capital of France?

## Response A
<response A>
Paris.
</response A>

## Response B
<response B>
Lyon.
</response B>

## Criterion
Is the answer factually correct?

## Your answer
Write your feedback, then "[RESULT]" and the letter of the better response, on one line \
exactly like this:

Feedback: <how A and B compare on the criterion, a few sentences> [RESULT] <A or B>"""


def test_prometheus_relative_prompt_exact() -> None:
    assert relative().generate_prompt(ROW2).formatted_prompt == PROMETHEUS_RELATIVE


def test_prometheus_relative_structured_with_reference_skips_failed_generation() -> None:
    row = {**ROW2, "generations": ["Paris.", None, "Lyon."], "ref_completion": "Paris."}
    text = relative().generate_prompt(row, structured=True).formatted_prompt
    assert "<response A>\nParis.\n</response A>" in text
    assert "<response B>\nLyon.\n</response B>" in text
    assert "## Reference answer\n<reference>\nParis.\n</reference>\n\n## Criterion" in text
    assert "A reference answer of the best quality is given for comparison." in text
    assert text.endswith('"winner": "<A or B>"}')


def test_reference_read_through_input_mapping() -> None:
    task = absolute(input_mapping={"ref_completion": "gold"})
    row = task.task_row({**ROW1, "gold": "Paris, of course."})
    assert (
        "<reference>\nParis, of course.\n</reference>" in task.generate_prompt(row).formatted_prompt
    )
    assert task.required_columns() == ("input", "generations")  # the reference is optional


# --------------------------------------------------------------------------- JSON schemas


@pytest.mark.parametrize(
    ("task", "good", "bad"),
    [
        (UltraCMTask(), {"critique": "ok", "score": 7}, {"critique": "ok", "score": 11}),
        (absolute(), {"feedback": "ok", "score": 4}, {"feedback": "ok", "score": 6}),
        (relative(), {"feedback": "ok", "winner": "B"}, {"feedback": "ok", "winner": "C"}),
    ],
)
def test_json_schema_accepts_answers_the_parser_reads(task: Any, good: dict, bad: dict) -> None:
    row = ROW2 if task.output_args_names[-1] == "rating" else ROW1
    schema = task.json_schema(row)
    jsonschema.validate(good, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    assert list(schema["properties"])[0] in ("critique", "feedback")  # reasons first
    assert schema["properties"][list(schema["properties"])[0]]["maxLength"] == 800
    parsed = task.parse_output(json.dumps(good), row)
    assert parsed["critique"] == "ok"
    verdict = parsed[task.output_args_names[-1]]
    assert verdict is not None and None not in (verdict if isinstance(verdict, list) else [])


# --------------------------------------------------------------------------- UltraCM parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Critique: Correct and short.\nOverall Score: 8", ("Correct and short.", 8.0)),
        ("Correct.\n\n**Overall score**: 7", ("Correct.", 7.0)),
        ("Correct.\n**Overall Score:** **9**/10", ("Correct.", 9.0)),
        ("Correct but terse. Score: 7/10", ("Correct but terse.", 7.0)),
        ("Overall Score (1-10): 4\n\nToo vague.", ("Too vague.", 4.0)),
        ("6\nRight city, no context.", ("Right city, no context.", 6.0)),
        ("**8/10**\n\nGood.", ("Good.", 8.0)),
        ("I would rate this 9 out of 10. Clear.", ("I would rate this 9 out of 10. Clear.", 9.0)),
        ("Rating: 5\nRationale-free.", ("Rationale-free.", 5.0)),
        ("  Overall Score :   6.5  ", (None, 6.5)),
        # the score that ends the answer wins over numbers in the critique
        ("It scores 3/10 on depth.\nOverall Score: 6", ("It scores 3/10 on depth.", 6.0)),
        ('{"critique": "Accurate.", "score": 9}', ("Accurate.", 9.0)),
        ('Here you go:\n```json\n{"critique": "Accurate.", "score": "8"}\n```', ("Accurate.", 8.0)),
        ('{"feedback": "Accurate.", "rating": 7}', ("Accurate.", 7.0)),
        # malformed: None for what cannot be read, never an error
        ("", (None, None)),
        ("   \n", (None, None)),
        ("Overall Score: 11", (None, None)),
        ("Decent.\nOverall Score: 0", ("Decent.", None)),
        ("Decent.\nScore: -3", ("Decent.", None)),
        ("Decent.\nOverall Score: N/A", ("Decent.\nOverall Score: N/A", None)),
        ("1. Correct city\n2. No detail", ("1. Correct city\n2. No detail", None)),
        ('{"critique": "Accurate but', ("Accurate but", None)),
        ('```json\n{"critique": "Accurate.", "score": 1', ("Accurate.", 1.0)),
        ('{"score": 12, "critique": ""}', (None, None)),
        ("The answer mentions {Paris}. Overall Score: 8", ("The answer mentions {Paris}.", 8.0)),
    ],
)
def test_ultracm_parses_good_messy_and_malformed_answers(text: str, expected: tuple) -> None:
    assert parse_critique(text) == expected


def test_a_judge_that_echoes_the_format_gives_no_score() -> None:
    echo = (
        "Critique: <your critique, a few sentences>\nOverall Score: <a whole number from 1 to 10>"
    )
    assert parse_critique(echo)[1] is None
    echo = (
        "Feedback: <how well the response meets the rubric> [RESULT] <a whole number from 1 to 5>"
    )
    assert parse_absolute(echo)[1] is None
    assert parse_relative("Feedback: <how A and B compare> [RESULT] <A or B>")[1] is None


def test_ultracm_json_critique_of_a_json_response_is_not_mistaken_for_the_answer() -> None:
    text = 'The response returns {"score": 3} as asked, but no units.\nOverall Score: 6'
    assert parse_critique(text)[1] == 6.0


# --------------------------------------------------------------------------- Prometheus parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Feedback: Correct and complete. [RESULT] 5", ("Correct and complete.", 5.0)),
        ("Feedback: Right city.\n[RESULT]: 4", ("Right city.", 4.0)),
        ("Right city. [RESULT] 4/5", ("Right city.", 4.0)),
        ("Right city, thin. **[RESULT] (3)**", ("Right city, thin.", 3.0)),
        ("Right city.\nResult: 4", ("Right city.", 4.0)),
        ("Right city.\n**Score:** 2", ("Right city.", 2.0)),
        ("It would get Score 1 if wrong. [RESULT] 5", ("It would get Score 1 if wrong.", 5.0)),
        ('{"feedback": "Correct.", "score": 5}', ("Correct.", 5.0)),
        ("[RESULT] 4", (None, 4.0)),
        ("Feedback: fine [RESULT] 4</s>", ("fine", 4.0)),
        # malformed: None for what cannot be read, never an error
        ("", (None, None)),
        ("Feedback: Looks fine. [RESULT] 7", ("Looks fine.", None)),
        ("Feedback: Looks fine.", ("Looks fine.", None)),
        ('{"feedback": "Looks fine", "score": 0}', ("Looks fine", None)),
        ('{"feedback": "Looks fi', ("Looks fi", None)),
    ],
)
def test_prometheus_absolute_parses_good_messy_and_malformed(text: str, expected: tuple) -> None:
    assert parse_absolute(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Feedback: A names the capital. [RESULT] A", ("A names the capital.", "A")),
        ("B is wrong.\n[RESULT]: Response A", ("B is wrong.", "A")),
        ("A is wrong. [RESULT] (B)", ("A is wrong.", "B")),
        ("A is wrong.\n**[RESULT]** **B**", ("A is wrong.", "B")),
        ("A is wrong. [RESULT] b", ("A is wrong.", "B")),
        ("A is wrong.\nWinner: B", ("A is wrong.", "B")),
        ("Response B is better: it is right.", ("Response B is better: it is right.", "B")),
        ('{"feedback": "A is right.", "winner": "A"}', ("A is right.", "A")),
        ('{"feedback": "A is right.", "winner": "Response A"}', ("A is right.", "A")),
        # malformed: None for what cannot be read, never an error
        ("", (None, None)),
        ("Both are fine. [RESULT] Tie", ("Both are fine. [RESULT] Tie", None)),
        ("Both are fine. [RESULT] a tie", ("Both are fine. [RESULT] a tie", None)),
        ('{"feedback": "Both fine", "winner": "C"}', ("Both fine", None)),
        ('{"feedback": "A is bet', ("A is bet", None)),
    ],
)
def test_prometheus_relative_parses_good_messy_and_malformed(text: str, expected: tuple) -> None:
    assert parse_relative(text) == expected


def test_relative_rating_aligns_with_generations() -> None:
    task = relative()
    row = {"input": "q", "generations": ["x", None, "y"]}
    assert task.parse_output("[RESULT] B", row) == {"critique": None, "rating": [0.0, None, 1.0]}
    assert task.parse_output("ok [RESULT] A", ROW2) == {"critique": "ok", "rating": [1.0, 0.0]}
    assert task.parse_output("no verdict", ROW2) == {"critique": "no verdict", "rating": [None] * 2}
    assert task.count_parsed(task.parse_output("[RESULT] A", ROW2), ROW2) == (2, 0)
    assert task.count_parsed(task.empty_output(ROW2), ROW2) == (0, 2)


# --------------------------------------------------------------------------- rows, outputs


@pytest.mark.parametrize("task", [UltraCMTask(), absolute()])
def test_single_response_judges_refuse_several_or_none(task: Any) -> None:
    assert task.row_problem(ROW1) is None
    assert task.row_problem({**ROW1, "generations": "Paris."}) is None
    assert task.row_problem({**ROW1, "generations": [None, "Paris."]}) is None
    assert task.row_problem({**ROW1, "generations": [None]}) == "no generations to label"
    assert task.row_problem({**ROW1, "generations": []}) == "no generations to label"
    problem = task.row_problem({**ROW1, "generations": ["a", "b", "c"]})
    assert "judges one response per row; this row has 3" in problem
    assert "num_generations: 1" in problem and "input.explode: generations" in problem


def test_ultracm_problem_message() -> None:
    assert UltraCMTask().row_problem(ROW2) == (
        "ultracm judges one response per row; this row has 2 "
        "(set run.num_generations: 1, or use input.explode: generations)"
    )


def test_relative_needs_exactly_two() -> None:
    task = relative()
    assert task.row_problem(ROW2) is None
    assert task.row_problem({**ROW2, "generations": ["a", None, "b"]}) is None
    assert task.row_problem(ROW1) == (
        "prometheus (relative) judges 2 responses per row; this row has 1 "
        "(set run.num_generations: 2)"
    )
    assert task.row_problem({**ROW1, "generations": "one"}) is not None
    assert task.row_problem({**ROW1, "generations": None}) == "no generations to label"
    assert task.empty_output({**ROW1, "generations": None}) == {"critique": None, "rating": []}


def test_outputs_depend_on_mode() -> None:
    assert UltraCMTask.output_args_names == ("critique", "score")
    assert UltraCMTask().output_features() == {
        "critique": Value("string"),
        "score": Value("float64"),
    }
    assert absolute().output_args_names == ("critique", "score")
    assert absolute().output_features() == {"critique": Value("string"), "score": Value("float64")}
    assert absolute().empty_output(ROW1) == {"critique": None, "score": None}
    assert relative().output_args_names == ("critique", "rating")
    assert relative().output_features() == {
        "critique": Value("string"),
        "rating": List(Value("float64")),
    }
    assert relative().empty_output(ROW2) == {"critique": None, "rating": [None, None]}
    assert UltraCMTask.is_labeller and PrometheusTask.is_labeller


@pytest.mark.parametrize("task", [UltraCMTask(), absolute()])
def test_single_score_counts(task: Any) -> None:
    assert task.count_parsed(task.empty_output(ROW1), ROW1) == (0, 1)
    assert task.count_parsed(task.empty_output({"generations": []}), {"generations": []}) == (0, 0)
    assert task.count_parsed({"critique": "x", "score": 4.0}, ROW1) == (1, 0)
    assert task.count_parsed({"critique": "x", "score": None}, ROW1) == (0, 1)


# --------------------------------------------------------------------------- construction


def test_prometheus_validates_its_rubric() -> None:
    with pytest.raises(ValueError, match="scoring_criteria"):
        PrometheusTask(score_descriptions=RUBRIC)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match=r"scores 1-5 \(got \[\]\)"):
        PrometheusTask(scoring_criteria=CRITERIA)
    with pytest.raises(ValueError, match=r"got \[1, 2, 3\]"):
        PrometheusTask(scoring_criteria=CRITERIA, score_descriptions={1: "a", 2: "b", 3: "c"})
    assert relative().score_descriptions is None  # relative mode needs no descriptions


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "ultracm"},
        {"type": "ultracm", "system_prompt": "Be terse.", "prompt_format": "chatml"},
        {
            "type": "prometheus",
            "scoring_criteria": CRITERIA,
            "score_descriptions": {str(k): v for k, v in RUBRIC.items()},
        },
        {"type": "prometheus", "mode": "relative", "scoring_criteria": CRITERIA},
    ],
)
def test_built_from_yaml_spec_and_restored_from_sidecar(spec: dict) -> None:
    model = TypeAdapter(TaskSpec).validate_python(spec)
    task = TASK_TYPES[spec["type"]](**model.model_dump(exclude={"type"}, exclude_none=True))
    restored = task_from_sidecar(json.loads(json.dumps(task.to_sidecar())))
    assert restored == task
    if "system_prompt" in spec:
        assert task.system_prompt == "Be terse."


def test_distilabel_sidecar_with_string_score_keys() -> None:
    data = {
        "system_prompt": "You are a fair evaluator.",
        "scoring_criteria": CRITERIA,
        "score_descriptions": {str(k): v for k, v in RUBRIC.items()},
        "__type_info__": {
            "module": "distilabel.tasks.critique.prometheus",
            "name": "PrometheusTask",
        },
    }
    task = task_from_sidecar(data)
    assert isinstance(task, PrometheusTask)
    assert task.mode == "absolute" and task.score_descriptions == RUBRIC


# --------------------------------------------------------------------------- pipeline


def test_pipeline_writes_critique_columns() -> None:
    dataset = Dataset.from_dict(
        {"input": ["q1", "q2", "q3"], "generations": [["a1"], ["a2", "b2"], ["a3"]]}
    )
    judge = ScriptedLLM(task=UltraCMTask(), name="judge", answer="Fine.\nOverall Score: 7")
    result = Pipeline(labeller=judge).generate(dataset)
    assert result["critique"] == ["Fine.", None, "Fine."]
    assert result["score"] == [7.0, None, 7.0]
    assert result.features["score"] == Value("float64")


def test_pipeline_relative_ratings_feed_binarization() -> None:
    dataset = Dataset.from_dict({"input": ["q1", "q2"], "generations": [["a", "b"], ["c", "d"]]})

    def answer(request: Request) -> str:
        schema = request.json_schema
        assert schema is not None and "winner" in schema["properties"]
        return json.dumps({"feedback": "B is better.", "winner": "B"})

    judge = ScriptedLLM(task=relative(), name="judge", answer=answer, structured=True)
    result = Pipeline(labeller=judge).generate(dataset)
    assert result["rating"] == [[0.0, 1.0], [0.0, 1.0]]
    assert result["critique"] == ["B is better."] * 2
    assert result.features["rating"] == List(Value("float64"))
