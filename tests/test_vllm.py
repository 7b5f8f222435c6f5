"""The `vllm` backend on a real GPU with the embedded SmolLM2 GGUF (vLLM's GGUF support).

Marked `gpu`: conftest skips these without CUDA or without vllm (`pip install -e .[vllm]`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from datasets import Dataset

from distilabel_cli import VLLM, Pipeline, TextGenerationTask, UltraFeedbackTask

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def engine(gguf_path: Path) -> Iterator[VLLM]:
    llm = VLLM(
        task=TextGenerationTask(),
        model=str(gguf_path),
        max_new_tokens=8,
        batch_size=4,
        seed=0,
        gpu_memory_utilization=0.3,
        max_model_len=2048,
    )
    llm.load()
    yield llm
    llm.close()


def test_one_generate_call_per_batch_with_n_samples(
    engine: VLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[Any], list[Any]]] = []
    real = engine._engine.generate

    def generate(prompts: list[Any], params: list[Any], **kwargs: Any) -> Any:
        calls.append((prompts, params))
        return real(prompts, params, **kwargs)

    monkeypatch.setattr(engine._engine, "generate", generate)
    rows = Dataset.from_dict({"input": ["Hi", "Name a fruit.", "Count to 3.", "Say yes."]})
    data = Pipeline(generator=engine).generate(rows, num_generations=2)

    assert len(calls) == 1 and engine.batch_sizes == [4]
    prompts, params = calls[0]
    assert all(p.n == 2 and p.max_tokens == 8 and p.seed == 0 for p in params)
    tokenizer = engine._engine.get_tokenizer()
    expected_in = 0
    for row, prompt in zip(data, prompts, strict=True):
        assert len(row["generations"]) == 2 and all(isinstance(g, str) for g in row["generations"])
        text = tokenizer.apply_chat_template(
            row["generation_prompt"][0], tokenize=False, add_generation_prompt=True
        )
        ids = tokenizer.encode(text, add_special_tokens=False)
        assert prompt["prompt_token_ids"] == ids  # the chat template, sent as token ids
        expected_in += len(ids)
    assert engine.usage.input_tokens == expected_in
    assert 0 < engine.usage.output_tokens <= 4 * 2 * 8


def test_judge_output_is_guided_json(engine: VLLM) -> None:
    judge = VLLM(task=UltraFeedbackTask.for_honesty(), model=engine._engine, max_new_tokens=200)
    assert judge.supports_structured_output
    data = Dataset.from_dict({"input": ["What is 2 + 2?"], "generations": [["4", "It is 5."]]})
    row = Pipeline(labeller=judge).generate(data)[0]
    assert json.loads(row["raw_labelling_response"])
    assert all(r in {1.0, 2.0, 3.0, 4.0, 5.0} for r in row["rating"])
