"""The `transformers` backend on CPU: the embedded SmolLM2 GGUF loaded by transformers' GGUF
support (real torch, real generate), batched through the micro-batcher."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from datasets import Dataset

pytest.importorskip("transformers", reason="needs pip install -e .[transformers]")
pytest.importorskip("gguf", reason="needs pip install -e .[transformers]")

from distilabel_cli import Pipeline, TextGenerationTask, UltraFeedbackTask  # noqa: E402
from distilabel_cli.errors import DistilError  # noqa: E402
from distilabel_cli.llms.embedded import EMBEDDED_MODEL_NAME  # noqa: E402
from distilabel_cli.llms.transformers import TransformersLLM  # noqa: E402


@pytest.fixture(scope="module")
def embedded() -> Iterator[TransformersLLM]:
    """The embedded model, loaded once through the backend's own loading code."""
    llm = TransformersLLM(
        task=TextGenerationTask(),
        model="embedded",
        max_new_tokens=6,
        batch_size=2,
        seed=0,
        n_threads=1,  # 2-core machines also run a llama.cpp server: avoid oversubscription
    )
    llm.load()
    yield llm
    llm.close()


class GenerateCalls:
    """Records each real `model.generate` call (and still makes it)."""

    def __init__(self, model: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[dict[str, Any]] = []
        real = model.generate

        def generate(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(kwargs)
            return real(*args, **kwargs)

        monkeypatch.setattr(model, "generate", generate)


def sharing(base: TransformersLLM, task: Any, **kwargs: Any) -> TransformersLLM:
    """A new LLM on the already loaded model and tokenizer of `base`."""
    return TransformersLLM(task=task, model=base._model, tokenizer=base._tokenizer, **kwargs)


def test_two_rows_two_generations_in_one_generate_call(
    embedded: TransformersLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = GenerateCalls(embedded._model, monkeypatch)
    tokenizer = embedded._tokenizer
    rows = Dataset.from_dict({"input": ["Hi", "Name a fruit."]})
    data = Pipeline(generator=embedded).generate(rows, num_generations=2)

    assert len(spy.calls) == 1 and embedded.batch_sizes == [2]
    [call] = spy.calls
    assert call["input_ids"].shape[0] == 2 and call["num_return_sequences"] == 2
    assert call["attention_mask"][0, 0] == 0  # "Hi" is the shorter prompt: left-padded
    assert call["attention_mask"][:, -1].tolist() == [1, 1]
    first = tokenizer.decode(call["input_ids"][1], skip_special_tokens=False)
    assert "<|im_start|>user\nName a fruit.<|im_end|>" in first  # the chat template
    assert first.endswith("<|im_start|>assistant\n")

    expected_in = 0
    for row in data:
        assert row["generation_model"] == [EMBEDDED_MODEL_NAME] * 2
        messages = row["generation_prompt"][0]
        assert [m["role"] for m in messages] == ["system", "user"]
        assert len(row["generations"]) == 2 and all(isinstance(g, str) for g in row["generations"])
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        expected_in += len(tokenizer(text, add_special_tokens=False)["input_ids"])
    assert any(g for row in data for g in row["generations"])
    usage = embedded.usage
    assert usage.ok_requests == 2 and usage.failed_requests == 0
    assert usage.input_tokens == expected_in
    assert 4 <= usage.output_tokens <= 2 * 2 * 6


def test_string_prompts_and_batches_split_at_batch_size(
    embedded: TransformersLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = GenerateCalls(embedded._model, monkeypatch)
    llm = sharing(
        embedded, TextGenerationTask(prompt_format="zephyr"), max_new_tokens=4, batch_size=2
    )
    rows = Dataset.from_dict({"input": [f"Count to {i}." for i in range(5)]})
    data = Pipeline(generator=llm).generate(rows)
    assert llm.batch_sizes == [2, 2, 1] and len(spy.calls) == 3
    prompts = [row["generation_prompt"][0] for row in data]
    assert all(p.startswith("<|system|>\n") for p in prompts)
    tokenizer = embedded._tokenizer
    assert llm.usage.input_tokens == sum(len(tokenizer(p)["input_ids"]) for p in prompts)
    assert llm.usage.ok_requests == 5


def test_judge_answers_in_the_text_format(embedded: TransformersLLM) -> None:
    judge = sharing(embedded, UltraFeedbackTask.for_helpfulness(), max_new_tokens=24)
    assert not judge.supports_structured_output
    data = Dataset.from_dict({"input": ["Say hi."], "generations": [["hi", "hello"]]})
    row = Pipeline(labeller=judge).generate(data)[0]
    assert "#### Output for Text 1" in row["labelling_prompt"][-1]["content"]
    assert row["raw_labelling_response"] is not None
    assert len(row["rating"]) == 2  # aligned, whatever the tiny model managed to write


def test_clear_errors_before_anything_loads() -> None:
    task = TextGenerationTask()
    with pytest.raises(DistilError, match="model file not found"):
        TransformersLLM(task=task, model="/no/such/model.gguf")
    with pytest.raises(DistilError, match="device must be cpu, cuda, cuda:N or auto"):
        TransformersLLM(task=task, device="gpu")
    with pytest.raises(DistilError, match="needs its loaded tokenizer"):
        TransformersLLM(task=task, model=object())


def test_generate_batch_size_reaches_a_backend_that_sets_none(embedded: TransformersLLM) -> None:
    """`Pipeline.generate(batch_size=)` (0.6's argument) batches an LLM made without one;
    an LLM's own `batch_size` still wins."""
    unset = sharing(embedded, TextGenerationTask(), max_new_tokens=2)
    rows = Dataset.from_dict({"input": [f"Say {i}." for i in range(5)]})
    Pipeline(generator=unset).generate(rows, batch_size=3)
    assert unset.batch_sizes == [3, 2]
    fixed = sharing(embedded, TextGenerationTask(), max_new_tokens=2, batch_size=1)
    Pipeline(generator=fixed).generate(rows.select(range(2)), batch_size=3)
    assert fixed.batch_sizes == [1, 1]
