"""The embedded llama.cpp model end to end through the Python API (real model, small outputs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import Dataset

from distilabel_cli import (
    CustomDataset,
    LlamaCppLLM,
    Pipeline,
    TextGenerationTask,
    UltraFeedbackTask,
)
from distilabel_cli.dataset.custom_dataset import TASK_SIDECAR

INSTRUCTIONS = ["What is the capital of France?", "Name a primary color.", "Say hello."]
CONTRACT_COLUMNS = [
    "input",
    "generation_model",
    "generation_prompt",
    "raw_generation_responses",
    "generations",
    "labelling_model",
    "labelling_prompt",
    "raw_labelling_response",
    "rating",
    "rationale",
    "distil_metadata",
]


@pytest.fixture(scope="module")
def generated() -> CustomDataset:
    generator = LlamaCppLLM(
        task=TextGenerationTask(system_prompt="Answer in one short sentence."),
        max_new_tokens=24,
        temperature=0.7,
        seed=1,
    )
    labeller = LlamaCppLLM(
        task=UltraFeedbackTask.for_instruction_following(), max_new_tokens=200, temperature=0
    )
    pipeline = Pipeline(generator=generator, labeller=labeller)
    try:
        return pipeline.generate(Dataset.from_dict({"input": INSTRUCTIONS}), num_generations=2)
    finally:
        pipeline.close()


def test_columns_follow_the_contract(generated: CustomDataset) -> None:
    assert generated.column_names == CONTRACT_COLUMNS
    assert generated["input"] == INSTRUCTIONS  # output order equals input order
    for row in generated:
        assert row["generation_model"] == ["SmolLM2-135M-Instruct"] * 2
        assert len(row["generation_prompt"]) == len(row["raw_generation_responses"]) == 2
        assert row["generation_prompt"][0] == [
            {"role": "system", "content": "Answer in one short sentence."},
            {"role": "user", "content": row["input"]},
        ]
        assert all(isinstance(g, str) and g for g in row["generations"])
        assert row["labelling_model"] == "SmolLM2-135M-Instruct"
        assert row["labelling_prompt"][-1]["role"] == "user"
        assert row["input"] in row["labelling_prompt"][-1]["content"]


def test_judge_answers_in_structured_json_and_is_parsed(generated: CustomDataset) -> None:
    """llama.cpp enforces the JSON schema, so every rating of the tiny judge parses."""
    for row in generated:
        assert row["raw_labelling_response"].lstrip().startswith("{")
        assert len(row["rating"]) == len(row["rationale"]) == 2
        assert all(r in {1.0, 2.0, 3.0, 4.0, 5.0} for r in row["rating"])


def test_report_counts_tokens_and_ratings() -> None:
    generator = LlamaCppLLM(task=TextGenerationTask(), max_new_tokens=8, seed=3)
    pipeline = Pipeline(generator=generator)
    dataset = pipeline.generate(Dataset.from_dict({"input": ["Hi"]}), num_generations=3)
    pipeline.close()
    report = pipeline.last_report
    assert report is not None
    assert report.counts.generations_ok == 3 and report.counts.generations_failed == 0
    assert report.llms[0].usage.requests == 3
    assert report.output_tokens > 0 and report.input_tokens > 0
    assert len(dataset[0]["generations"]) == 3


def test_save_and_load_restores_task(generated: CustomDataset, tmp_path: Path) -> None:
    generated.save_to_disk(tmp_path / "ds")
    assert (tmp_path / "ds" / TASK_SIDECAR).is_file()
    loaded = CustomDataset.load_from_disk(tmp_path / "ds")
    assert isinstance(loaded.task, UltraFeedbackTask)
    assert loaded.task.aspect == "instruction-following"
    assert loaded.to_list() == generated.to_list()


def test_string_prompt_format_uses_text_completion() -> None:
    generator = LlamaCppLLM(
        task=TextGenerationTask(system_prompt="Be brief.", prompt_format="chatml"),
        max_new_tokens=8,
        seed=0,
    )
    pipeline = Pipeline(generator=generator)
    dataset = pipeline.generate(Dataset.from_dict({"input": ["Hello"]}))
    pipeline.close()
    prompt = dataset[0]["generation_prompt"][0]
    assert prompt == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert dataset[0]["raw_generation_responses"][0] is not None


def test_labelling_only_run_rates_existing_generations() -> None:
    labeller = LlamaCppLLM(
        task=UltraFeedbackTask.for_overall_quality(), max_new_tokens=200, temperature=0
    )
    dataset = Dataset.from_dict(
        {
            "input": ["Describe the capital of Spain in 25 words."],
            "generations": [["Santo Domingo is the capital of Dominican Republic", None]],
        }
    )
    pipeline = Pipeline(labeller=labeller)
    labelled = pipeline.generate(dataset)
    pipeline.close()
    assert labelled.column_names == [
        "input",
        "generations",
        "labelling_model",
        "labelling_prompt",
        "raw_labelling_response",
        "rating",
        "rationale",
        "distil_metadata",
    ]
    assert labelled[0]["distil_metadata"] == {"labelling_error": None}
    rating = labelled[0]["rating"]
    assert len(rating) == 2 and rating[1] is None  # a missing generation is never rated
    assert rating[0] in {1.0, 2.0, 3.0, 4.0, 5.0}
