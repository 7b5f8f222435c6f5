"""One description per backend: the `llm:` spec is derived from the LLM classes' `option()`
fields; `decides_output` options make the resume fingerprint; the structured-output ladder;
stages pair a task with a task-agnostic LLM."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError

from distilabel_cli.errors import DistilError, StructuredOutputUnsupported
from distilabel_cli.llms import LLM_TYPES, llm_class
from distilabel_cli.llms.base import LLM, Pricing
from distilabel_cli.llms.options import option, options_of
from distilabel_cli.llms.process import ProcessLLM
from distilabel_cli.llms.scripted import ScriptedLLM
from distilabel_cli.llms.structured import FormatRefused, SchemaLadder
from distilabel_cli.pipeline.core import Pipeline
from distilabel_cli.pipeline.fingerprint import stage_fingerprint
from distilabel_cli.pipeline.stage import Stage
from distilabel_cli.spec.llms import LLM_SPECS, spec_model
from distilabel_cli.tasks import TextGenerationTask, UltraFeedbackTask


@pytest.mark.parametrize("llm_type", list(LLM_TYPES))
def test_each_spec_has_exactly_its_class_options_plus_type_and_gpus(llm_type: str) -> None:
    spec = LLM_SPECS[llm_type]
    assert set(spec.model_fields) == {*options_of(llm_class(llm_type)), "type", "gpus"}
    assert spec.model_fields["type"].annotation.__args__ == (llm_type,)  # type: ignore[union-attr]


@dataclass(kw_only=True)
class KnobLLM(ScriptedLLM):
    """A backend with its own options (for the derivation)."""

    top_k: int | None = option(None, gt=0, decides_output=True, description="Sample from k.")
    endpoint: str = option("local")
    python_only: Any = None


def test_a_new_option_is_a_yaml_key_with_its_constraints_and_a_fingerprint_entry() -> None:
    spec = spec_model(KnobLLM, "knob")
    assert spec(type="knob", top_k=5).top_k == 5
    assert "python_only" not in spec.model_fields and "task" not in spec.model_fields
    with pytest.raises(ValidationError, match="greater than 0"):
        spec(type="knob", top_k=0)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        spec(type="knob", python_only=1)
    schema = spec.model_json_schema()
    assert schema["properties"]["top_k"]["description"] == "Sample from k."
    assert schema["description"] == "A backend with its own options (for the derivation)."
    llm = KnobLLM(name="k", top_k=3, endpoint="far", concurrency=4)
    assert llm.output_settings() == {
        "max_new_tokens": 256,
        "temperature": 0.7,
        "top_p": 1.0,
        "seed": None,
        "top_k": 3,
    }


def test_the_fingerprint_changes_with_outputs_not_with_concurrency_or_price() -> None:
    task = TextGenerationTask()

    def fingerprint(**options: Any) -> dict[str, Any] | None:
        return stage_fingerprint(Stage(task, ScriptedLLM(name="m", **options)))

    base = fingerprint()
    assert fingerprint(concurrency=9, timeout=5, pricing=Pricing(input_per_million=1)) == base
    assert fingerprint(temperature=0.1) != base
    assert fingerprint(seed=1)["seed"] == 1  # type: ignore[index]


def test_a_rule_across_keys_is_one_check_for_yaml_and_python() -> None:
    endpoints = LLM_SPECS["inference-endpoints"]
    with pytest.raises(ValidationError, match=r"give exactly one of .* \(got none\)"):
        endpoints(type="inference-endpoints")
    with pytest.raises(DistilError, match=r"give exactly one of .* \(got none\)"):
        llm_class("inference-endpoints")()


def test_the_ladder_steps_down_and_remembers_then_gives_up() -> None:
    ladder = SchemaLadder("auto")
    tried: list[str | None] = []

    async def refuse_all_but_text(mode: str | None) -> str:
        tried.append(mode)
        if mode is not None:
            raise FormatRefused(f"{mode} refused")
        return "text"

    with pytest.raises(StructuredOutputUnsupported, match="json_object refused"):
        asyncio.run(ladder.run(refuse_all_but_text, structured=True))
    assert tried == ["json_schema", "json_object"] and ladder.mode is None
    assert asyncio.run(ladder.run(refuse_all_but_text, structured=True)) == "text"
    assert SchemaLadder("none").mode is None and SchemaLadder("json_object").mode == "json_object"


def test_a_stage_pairs_any_task_with_a_task_agnostic_llm() -> None:
    llm = ScriptedLLM(name="plain")  # no task: the stage owns it
    with pytest.raises(DistilError, match=r"the generator \(ScriptedLLM\) has no task"):
        Pipeline(generator=llm)
    judge = UltraFeedbackTask()
    pipeline = Pipeline(generator=Stage(TextGenerationTask(), llm), labeller=Stage(judge, llm))
    assert pipeline.generator is llm and pipeline.stage("labeller").task is judge  # type: ignore[union-attr]
    pipeline.labeller = None
    assert list(pipeline.stages) == ["generator"]


def load_priced(task: Any) -> LLM:
    """A child LLM with its own price and sampling (top-level: sent to the child)."""
    return ScriptedLLM(
        task=task, name="priced", temperature=0.2, pricing=Pricing(output_per_million=3.0)
    )


@pytest.mark.timeout(60)
def test_a_process_llm_mirrors_its_child_options_and_fingerprint() -> None:
    llm = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_priced, concurrency=2)
    try:
        assert llm.model_name == "priced"
        assert (llm.temperature, llm.concurrency) == (0.2, 2)
        assert llm.pricing == Pricing(output_per_million=3.0)
        assert llm.output_settings()["temperature"] == 0.2
    finally:
        llm.close()
