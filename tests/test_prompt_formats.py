"""Prompt formats of the dataset contract, task prompts, JSON schema and task sidecars."""

from __future__ import annotations

import json

import pytest

from distilabel_cli.tasks import (
    TASK_TYPES,
    TextGenerationTask,
    UltraFeedbackTask,
    task_from_sidecar,
)
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.ultrafeedback_rubrics import DEFAULT_JUDGE_SYSTEM_PROMPT, RUBRICS

SYS = "You are a careful assistant."
USER = "Write a haiku about\nthe sea."
ASPECTS = ("text-quality", "helpfulness", "truthfulness", "honesty", "instruction-following")
ROW = {"input": "What is the capital of France?", "generations": ["Paris.", None, "Lyon, I think."]}


# --------------------------------------------------------------------------- prompt formats


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("default", f"{SYS}\n{USER}"),
        ("llama2", f"<s>[INST] <<SYS>>\n{SYS}<</SYS>>\n\n{USER} [/INST]"),
        (
            "chatml",
            f"<|im_start|>system\n{SYS}<|im_end|>\n<|im_start|>user\n{USER}<|im_end|>\n"
            "<|im_start|>assistant\n",
        ),
        ("zephyr", f"<|system|>\n{SYS}</s>\n<|user|>\n{USER}</s>\n<|assistant|>\n"),
        ("notus", f"<|system|>\n{SYS}</s>\n<|user|>\n{USER}</s>\n<|assistant|>\n"),
    ],
)
def test_text_formats_render_exactly(fmt: str, expected: str) -> None:
    rendered = Prompt(SYS, USER).format_as(fmt)  # type: ignore[arg-type]
    assert isinstance(rendered, str)
    assert rendered == expected


@pytest.mark.parametrize("fmt", ["openai", "chat"])
def test_chat_formats_render_messages(fmt: str) -> None:
    assert Prompt(SYS, USER).format_as(fmt) == [  # type: ignore[arg-type]
        {"role": "system", "content": SYS},
        {"role": "user", "content": USER},
    ]


@pytest.mark.parametrize("fmt", ["openai", "chat"])
def test_chat_formats_drop_empty_system_prompt(fmt: str) -> None:
    assert Prompt("", USER).format_as(fmt) == [  # type: ignore[arg-type]
        {"role": "user", "content": USER}
    ]


def test_chat_messages_are_fresh_lists() -> None:
    prompt = Prompt(SYS, USER)
    first = prompt.format_as("openai")
    assert isinstance(first, list)
    first.append({"role": "assistant", "content": "x"})
    assert len(prompt.format_as("openai")) == 2


def test_zephyr_and_notus_are_identical_and_differ_from_chatml() -> None:
    prompt = Prompt(SYS, USER)
    assert prompt.format_as("zephyr") == prompt.format_as("notus")
    assert prompt.format_as("zephyr") != prompt.format_as("chatml")


@pytest.mark.parametrize("fmt", ["unknown", "ChatML", "", "llama3"])
def test_unknown_format_raises(fmt: str) -> None:
    with pytest.raises(ValueError, match="unknown prompt format"):
        Prompt(SYS, USER).format_as(fmt)  # type: ignore[arg-type]


def test_prompt_is_immutable() -> None:
    prompt = Prompt(SYS, USER)
    with pytest.raises(AttributeError):
        prompt.system_prompt = "other"  # type: ignore[misc]


# --------------------------------------------------------------------------- TextGenerationTask


def test_text_generation_prompt_uses_input_column() -> None:
    task = TextGenerationTask(system_prompt=SYS)
    prompt = task.generate_prompt({"input": USER, "other": "ignored"})
    assert prompt == Prompt(SYS, USER)
    assert task.generate_prompt({"input": USER}).format_as("default") == f"{SYS}\n{USER}"


def test_text_generation_default_system_prompt_and_parse() -> None:
    task = TextGenerationTask()
    assert task.generate_prompt({"input": "hi"}).system_prompt.startswith("You are a helpful")
    assert task.parse_output("  Paris.\n", {"input": "x"}) == {"generations": "Paris."}
    assert task.input_args_names == ("input",)
    assert task.output_args_names == ("generations",)


def test_text_generation_prompt_missing_input_raises() -> None:
    with pytest.raises(KeyError):
        TextGenerationTask().generate_prompt({"instruction": "hi"})


# --------------------------------------------------------------------------- UltraFeedback prompt


def test_ultrafeedback_prompt_shows_instruction_and_every_generation() -> None:
    task = UltraFeedbackTask()
    prompt = task.generate_prompt(ROW)
    text = prompt.formatted_prompt
    assert prompt.system_prompt == DEFAULT_JUDGE_SYSTEM_PROMPT
    assert ROW["input"] in text
    assert "<response 1>\nParis.\n</response 1>" in text
    assert "<response 2>\n(no response)\n</response 2>" in text
    assert "<response 3>\nLyon, I think.\n</response 3>" in text
    assert "<response 4>" not in text
    # the instruction comes before the responses
    assert text.index(ROW["input"]) < text.index("<response 1>")


def test_ultrafeedback_prompt_classic_text_format() -> None:
    text = UltraFeedbackTask().generate_prompt(ROW).formatted_prompt
    for i in (1, 2, 3):
        assert f"#### Output for Text {i}\nRating: <1-5>\nRationale:" in text
    assert "Output for Text 4" not in text
    assert "JSON" not in text


def test_ultrafeedback_prompt_structured_asks_for_json() -> None:
    text = UltraFeedbackTask().generate_prompt(ROW, structured=True).formatted_prompt
    assert "JSON" in text
    assert '{"ratings": [{"rationale": "<why, in one or two sentences>", "rating": <1-5>}' in text
    assert "exactly 3 entries" in text
    assert "#### Output for Text" not in text


def test_ultrafeedback_prompt_single_generation() -> None:
    text = (
        UltraFeedbackTask().generate_prompt({"input": "q", "generations": ["a"]}).formatted_prompt
    )
    assert "#### Output for Text 1" in text
    assert "Output for Text 2" not in text
    assert "<response 2>" not in text


def test_ultrafeedback_prompt_in_chat_format() -> None:
    task = UltraFeedbackTask(aspect="honesty")
    messages = task.generate_prompt(ROW).format_as(task.prompt_format)
    assert isinstance(messages, list)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert ROW["input"] in messages[1]["content"]


def test_ultrafeedback_json_schema() -> None:
    schema = UltraFeedbackTask().json_schema(ROW)
    ratings = schema["properties"]["ratings"]
    assert schema["required"] == ["ratings"]
    assert ratings["type"] == "array"
    assert ratings["minItems"] == ratings["maxItems"] == 3
    item = ratings["items"]
    assert item["properties"]["rating"]["enum"] == [1, 2, 3, 4, 5]
    assert item["properties"]["rationale"]["type"] == "string"
    assert set(item["required"]) == {"rating", "rationale"}
    json.dumps(schema)  # serialisable for a response_format
    one = UltraFeedbackTask().json_schema({"input": "q", "generations": ["a"]})
    assert one["properties"]["ratings"]["minItems"] == one["properties"]["ratings"]["maxItems"] == 1


def test_structured_answer_following_schema_parses() -> None:
    task = UltraFeedbackTask()
    answer = json.dumps({"ratings": [{"rating": r, "rationale": f"r{r}"} for r in (5, 3, 1)]})
    out = task.parse_output(answer, {"input": "q", "generations": ["a", "b", "c"]})
    assert out == {"rating": [5.0, 3.0, 1.0], "rationale": ["r5", "r3", "r1"]}


def test_each_aspect_renders_a_different_rubric() -> None:
    texts = {}
    for aspect in ASPECTS:
        text = UltraFeedbackTask(aspect=aspect).generate_prompt(ROW).formatted_prompt
        rubric = RUBRICS[aspect]
        assert rubric.title in text
        for score, meaning in enumerate(rubric.scores, start=1):
            assert f"{score}. {meaning}" in text
        texts[aspect] = text
    assert len(set(texts.values())) == len(ASPECTS)
    assert set(RUBRICS) == set(ASPECTS)


@pytest.mark.parametrize(
    ("factory", "aspect"),
    [
        (UltraFeedbackTask.for_overall_quality, "text-quality"),
        (UltraFeedbackTask.for_helpfulness, "helpfulness"),
        (UltraFeedbackTask.for_truthfulness, "truthfulness"),
        (UltraFeedbackTask.for_honesty, "honesty"),
        (UltraFeedbackTask.for_instruction_following, "instruction-following"),
    ],
)
def test_aspect_factories(factory, aspect: str) -> None:
    assert factory().aspect == aspect
    assert UltraFeedbackTask.for_aspect(aspect).aspect == aspect


@pytest.mark.parametrize("aspect", ["overall", "Helpfulness", "", "harmlessness"])
def test_unknown_aspect_raises(aspect: str) -> None:
    with pytest.raises(ValueError, match="aspect"):
        UltraFeedbackTask(aspect=aspect)


def test_unknown_task_field_raises() -> None:
    with pytest.raises(ValueError):
        UltraFeedbackTask(bogus=1)  # type: ignore[call-arg]


# --------------------------------------------------------------------------- sidecar


@pytest.mark.parametrize(
    "task",
    [
        UltraFeedbackTask(aspect="truthfulness", system_prompt="judge!", prompt_format="chatml"),
        UltraFeedbackTask(),
        TextGenerationTask(system_prompt="", prompt_format="llama2"),
    ],
)
def test_sidecar_round_trip(task) -> None:
    sidecar = task.to_sidecar()
    assert sidecar["__type_info__"] == {
        "module": type(task).__module__,
        "name": type(task).__name__,
    }
    restored = task_from_sidecar(json.loads(json.dumps(sidecar)))
    assert type(restored) is type(task)
    assert restored == task


def test_sidecar_contains_fields() -> None:
    sidecar = UltraFeedbackTask(aspect="honesty").to_sidecar()
    assert sidecar["aspect"] == "honesty"
    assert sidecar["system_prompt"] == DEFAULT_JUDGE_SYSTEM_PROMPT
    assert sidecar["prompt_format"] == "chat"
    assert sidecar["__type_info__"]["module"] == "distilabel_cli.tasks.ultrafeedback"


def test_sidecar_from_distilabel_06_ultrafeedback() -> None:
    sidecar = {
        "system_prompt": "Your role is to evaluate text quality based on given criteria.",
        "task_description": "# General Text Quality Assessment\nEvaluate the model's outputs",
        "ratings": [{"value": 1, "description": "**Low Quality**"}],
        "__type_info__": {
            "module": "distilabel.tasks.preference.ultrafeedback",
            "name": "UltraFeedbackTask",
        },
    }
    task = task_from_sidecar(sidecar)
    assert isinstance(task, UltraFeedbackTask)
    assert task.system_prompt == sidecar["system_prompt"]
    assert task.aspect in RUBRICS


def test_sidecar_from_distilabel_06_text_generation() -> None:
    sidecar = {
        "system_prompt": "You are a helpful assistant.",
        "principles": {"harmlessness": ["be nice"]},
        "principles_distribution": None,
        "__type_info__": {
            "module": "distilabel.tasks.text_generation.base",
            "name": "TextGenerationTask",
        },
    }
    task = task_from_sidecar(sidecar)
    assert isinstance(task, TextGenerationTask)
    assert task.system_prompt == "You are a helpful assistant."


@pytest.mark.parametrize(
    "sidecar",
    [
        {"__type_info__": {"module": "distilabel.tasks", "name": "SummarizeTask"}},
        {"system_prompt": "x"},
        {},
    ],
)
def test_sidecar_unknown_type_gives_none(sidecar: dict) -> None:
    assert task_from_sidecar(sidecar) is None


def test_task_registry() -> None:
    assert TASK_TYPES["ultrafeedback"] is UltraFeedbackTask
    assert TASK_TYPES["text-generation"] is TextGenerationTask
    assert "custom" in TASK_TYPES and "no-such-task" not in TASK_TYPES
