"""Presets: `preset:` in YAML and `pipeline("preference", "text-quality", ...)` in Python."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import LlamaServer
from datasets import Dataset

from distilabel_cli import LlamaCppLLM, OpenAILLM, TextGenerationTask, UltraFeedbackTask, pipeline
from distilabel_cli.errors import DistilError, SpecError
from distilabel_cli.spec.loader import load_spec
from distilabel_cli.tasks import JudgeLMTask

SPEC = """\
preset: preference/text-quality
input: {path: data.jsonl}
generator:
  llm: {type: llama-cpp}
  task: {type: text-generation}
output: {path: out}
"""


def load(tmp_path: Path, text: str, *overrides: str):  # noqa: ANN201
    (tmp_path / "spec.yaml").write_text(text)
    return load_spec(tmp_path / "spec.yaml", list(overrides))[0]


def test_yaml_preset_fills_in_the_seed_labeller(tmp_path: Path) -> None:
    spec = load(tmp_path, SPEC)
    llm, task = spec.labeller.llm, spec.labeller.task
    assert (llm.type, llm.model, llm.temperature) == ("openai", "gpt-3.5-turbo", 0.0)
    assert (task.type, task.aspect) == ("ultrafeedback", "text-quality")
    assert spec.preset == "preference/text-quality"


def test_explicit_keys_override_the_preset(tmp_path: Path) -> None:
    text = SPEC + "labeller:\n  llm: {model: gpt-4o-mini, concurrency: 8}\n"
    spec = load(tmp_path, text, "labeller.task.aspect=honesty")
    llm = spec.labeller.llm
    assert (llm.type, llm.model, llm.temperature, llm.concurrency) == (
        "openai",
        "gpt-4o-mini",
        0.0,
        8,
    )
    assert spec.labeller.task.aspect == "honesty"


def test_another_llm_type_replaces_the_presets_llm(tmp_path: Path) -> None:
    text = SPEC + "labeller:\n  llm: {type: llama-cpp, temperature: 0.2}\n"
    llm = load(tmp_path, text).labeller.llm
    assert (llm.type, llm.model, llm.temperature) == ("llama-cpp", "embedded", 0.2)


def test_other_presets_and_unknown_preset(tmp_path: Path) -> None:
    spec = load(tmp_path, SPEC.replace("preference/text-quality", "preference/judgelm"))
    assert spec.labeller.task.type == "judgelm"
    with pytest.raises(SpecError) as info:
        load(tmp_path, SPEC.replace("preference/text-quality", "preference/tone"))
    assert info.value.message.startswith(f"{tmp_path / 'spec.yaml'}:1 preset: unknown preset ")
    assert "preference/text-quality" in info.value.message


def test_python_preset_text_quality_builds_the_right_judge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    pipe = pipeline("preference", "text-quality", max_new_tokens=64, num_threads=2)
    labeller = pipe.labeller
    assert isinstance(labeller, OpenAILLM) and isinstance(labeller.task, UltraFeedbackTask)
    assert labeller.task.aspect == "text-quality"  # the reference crashes here
    assert (labeller.model, labeller.temperature, labeller.max_new_tokens) == (
        "gpt-3.5-turbo",
        0.0,
        64,
    )
    assert labeller.concurrency == 2 and pipe.generator is None
    judge = pipeline("preference", "judgelm", system_prompt="Be strict.").labeller
    assert isinstance(judge.task, JudgeLMTask) and judge.task.system_prompt == "Be strict."


def test_python_preset_errors_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(DistilError, match="no API key; set OPENAI_API_KEY"):
        pipeline("preference", "honesty")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with pytest.raises(DistilError, match="unknown keyword.*temprature"):
        pipeline("preference", "honesty", temprature=0.5)
    with pytest.raises(DistilError, match="unknown preset 'preference/tone'"):
        pipeline("preference", "tone")


def test_python_preset_runs_end_to_end(llama_server: LlamaServer, gguf_path: Path) -> None:
    """The preset's OpenAI labeller talks to the real llama.cpp OpenAI-compatible server."""
    generator = LlamaCppLLM(
        task=TextGenerationTask(system_prompt="Answer in one sentence."),
        model=str(gguf_path),
        max_new_tokens=24,
        seed=1,
    )
    pipe = pipeline(
        "preference",
        "text-quality",
        generator=generator,
        model=llama_server.model,
        base_url=llama_server.base_url,
        api_key=llama_server.api_key,
        max_new_tokens=300,
    )
    dataset = pipe.generate(Dataset.from_dict({"input": ["Name a primary colour."]}), 2)
    row = dataset[0]
    assert row["labelling_model"] == llama_server.model
    assert len(row["generations"]) == 2 and len(row["rating"]) == 2
    assert row["raw_labelling_response"]
    assert isinstance(dataset.task, UltraFeedbackTask) and dataset.task.aspect == "text-quality"
