"""Options every task or stage has: principles, input_mapping, responses per row."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from distilabel_cli.errors import SpecError
from distilabel_cli.llms.scripted import ScriptedLLM
from distilabel_cli.pipeline.build_task import build_task
from distilabel_cli.pipeline.check import check_spec, check_tasks
from distilabel_cli.pipeline.engine import Engine
from distilabel_cli.pipeline.run import run_spec
from distilabel_cli.spec.loader import load_spec
from distilabel_cli.tasks import TextGenerationTask, UltraFeedbackTask

PRINCIPLES = {"honesty": ["Admit doubt.", "Cite sources."], "brevity": ["Be brief."]}


def system_prompts(task: TextGenerationTask, n: int = 400) -> Counter:
    return Counter(task.generate_prompt({"input": f"q{i}"}).system_prompt for i in range(n))


def test_principle_is_appended_to_the_system_prompt() -> None:
    task = TextGenerationTask(system_prompt="You help.", principles={"b": ["Be brief."]})
    prompt = task.generate_prompt({"input": "Hi"})
    assert prompt.system_prompt == "You help.\n\nBe brief."
    assert prompt.formatted_prompt == "Hi"


def test_principles_balanced_by_default_and_weighted_when_asked() -> None:
    balanced = system_prompts(TextGenerationTask(system_prompt="S", principles=PRINCIPLES))
    brief = balanced["S\n\nBe brief."]
    assert 150 < brief < 250  # half the rows pick the one-principle group
    assert balanced["S\n\nAdmit doubt."] > 50 and balanced["S\n\nCite sources."] > 50
    weighted = TextGenerationTask(
        system_prompt="S",
        principles=PRINCIPLES,
        principles_distribution={"honesty": 0.0, "brevity": 1.0},
    )
    assert set(system_prompts(weighted)) == {"S\n\nBe brief."}


def test_principle_draw_is_fixed_per_row_and_seed() -> None:
    task = TextGenerationTask(principles=PRINCIPLES, seed=1)
    rows = [{"input": f"q{i}"} for i in range(30)]
    first = [task.generate_prompt(r).system_prompt for r in rows]
    assert first == [task.generate_prompt(r).system_prompt for r in rows]  # a resume
    other = TextGenerationTask(principles=PRINCIPLES, seed=2)
    assert first != [other.generate_prompt(r).system_prompt for r in rows]


@pytest.mark.parametrize(
    ("distribution", "message"),
    [
        ("{honesty: 0.5, brevity: 0.6}", "weights must be >= 0 and sum to 1 (they sum to 1.1)"),
        ("{honesty: 1.0, tone: 0.0}", "principles_distribution names unknown groups ['tone']"),
        ("balanced\n    principles: {honesty: []}", "needs at least one principle"),
    ],
)
def test_bad_principles_are_spec_errors(tmp_path: Path, distribution: str, message: str) -> None:
    text = (
        "input: {path: d.jsonl}\ngenerator:\n  llm: {type: llama-cpp}\n  task:\n"
        "    type: text-generation\n    principles: {honesty: [a], brevity: [b]}\n"
        f"    principles_distribution: {distribution}\noutput: {{path: o}}\n"
    )
    if "principles: {honesty: []}" in text:
        text = text.replace("    principles: {honesty: [a], brevity: [b]}\n", "")
    (tmp_path / "spec.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "spec.yaml")
    [detail] = info.value.details
    assert ":4 generator.task: " in detail and message in detail


def test_input_mapping_reads_task_inputs_from_other_columns() -> None:
    task = UltraFeedbackTask(input_mapping={"input": "question", "generations": "answers"})
    assert task.required_columns() == ("question", "answers")
    judge = ScriptedLLM(
        task=task, name="echo", answer="#### Output for Text 1\nRating: 4\nRationale: ok"
    )
    row = {"question": "What is 2+2?", "answers": ["4"]}
    [result] = asyncio.run(Engine(None, judge).run([row]))
    assert result["rating"] == [4.0]
    assert "What is 2+2?" in judge.requests[0].text


SPEC = """\
input: {path: data.jsonl}
generator:
  llm: {type: llama-cpp}
  task: {type: text-generation}
labeller:
  llm: {type: llama-cpp}
  task: {type: ultrafeedback, input_mapping: {input: question}}
run: {num_generations: 2}
output: {path: out}
"""


def check(tmp_path: Path, text: str) -> None:
    (tmp_path / "data.jsonl").write_text('{"input": "x", "question": "y"}\n')
    (tmp_path / "spec.yaml").write_text(text)
    spec, source = load_spec(tmp_path / "spec.yaml")
    check_spec(spec, source)


def test_mapped_columns_are_checked_at_validation(tmp_path: Path) -> None:
    check(tmp_path, SPEC)
    with pytest.raises(SpecError) as info:
        check(tmp_path, SPEC.replace("input: question", "input: query"))
    assert info.value.details[0].endswith(
        "labeller.task: ultrafeedback needs column 'query', which neither the input "
        "(input, question) nor the generator provides"
    )


@pytest.mark.parametrize(
    ("task", "wanted"),
    [
        ("{type: ultracm}", 1),
        ("{type: prometheus, mode: relative, scoring_criteria: c}", 2),
    ],
)
def test_judge_needing_another_number_of_generations(
    tmp_path: Path, task: str, wanted: int
) -> None:
    text = SPEC.replace("{type: ultrafeedback, input_mapping: {input: question}}", task)
    if wanted == 2:
        check(tmp_path, text)
        text = text.replace("num_generations: 2", "num_generations: 3")
    with pytest.raises(SpecError) as info:
        check(tmp_path, text)
    assert info.value.details[0].endswith(
        f"run.num_generations: the labeller ({task.split(',')[0][7:].strip('}')}) judges "
        f"{wanted} response(s) per row; set run.num_generations: {wanted}"
    )


def test_a_judge_as_generator_is_refused(tmp_path: Path) -> None:
    text = SPEC.replace("task: {type: text-generation}", "task: {type: judgelm}")
    with pytest.raises(SpecError) as info:
        check(tmp_path, text)
    assert info.value.details[0].endswith(
        "generator.task.type: judgelm is a judge: use it as the labeller"
    )


def test_tasks_are_built_once_per_spec(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_text('{"input": "x", "question": "y"}\n')
    (tmp_path / "tweet.jinja2").write_text("A tweet about {{ input }}.")
    custom = "{type: custom, template: tweet.jinja2, inputs: [input]}"
    (tmp_path / "spec.yaml").write_text(SPEC.replace("{type: text-generation}", custom))
    spec, source = load_spec(tmp_path / "spec.yaml")
    tasks = check_tasks(spec, source)
    stage = spec.labeller.model_copy(update={"llm": spec.labeller.llm})  # as the build copies
    assert build_task(stage.task, tmp_path) is tasks["labeller"]
    assert build_task(spec.generator.task, tmp_path) is tasks["generator"]
    spec.labeller.task.input_mapping = {"input": "input"}  # other options: another task
    rebuilt = build_task(spec.labeller.task, tmp_path)
    assert rebuilt is not tasks["labeller"] and rebuilt.input_mapping == {"input": "input"}


def test_run_checks_the_columns_of_the_loaded_input(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_text('{"input": "x", "question": "y"}\n')
    (tmp_path / "spec.yaml").write_text(SPEC.replace("input: question", "input: query"))
    spec, source = load_spec(tmp_path / "spec.yaml")
    with pytest.raises(SpecError) as info:
        run_spec(spec, source, progress=False, dry_run=True)
    assert info.value.details == [
        f"{tmp_path / 'spec.yaml'}:7 labeller.task: ultrafeedback needs column 'query', which "
        "neither the input (input, question) nor the generator provides"
    ]
