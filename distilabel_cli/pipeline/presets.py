"""`pipeline("preference", "text-quality", generator=...)`: ready-made pipelines."""

from __future__ import annotations

import dataclasses
from typing import Any

from distilabel_cli.errors import DistilError
from distilabel_cli.llms.base import LLM
from distilabel_cli.pipeline.core import Pipeline
from distilabel_cli.spec.presets import ALIASES, DEFAULT_LABELLER_LLM, preset_keys
from distilabel_cli.tasks import TASK_TYPES

#: distilabel 0.6 keyword names -> ours.
_RENAMED = {"openai_api_key": "api_key"}


def pipeline(
    task: str,
    subtask: str | None = None,
    *,
    generator: LLM | None = None,
    labeller: LLM | None = None,
    **kwargs: Any,
) -> Pipeline:
    """A Pipeline for `task` ("preference" or "critique") and its `subtask`.

    Preference subtasks are the UltraFeedback aspects (text-quality, helpfulness,
    truthfulness, honesty, instruction-following) plus judgelm and ultrajudge; critique's is
    ultracm. Without `labeller`, the labeller is OpenAI `gpt-3.5-turbo` at temperature 0;
    `kwargs` go to its task when the task has such a field (e.g. `system_prompt`), else to
    the `OpenAILLM` (e.g. `model`, `api_key`, `max_new_tokens`, `num_threads`, `base_url`).
    """
    name = f"{task}/{subtask}" if subtask else task
    try:
        stage = preset_keys(ALIASES.get(name, name))["labeller"]
    except KeyError as exc:
        raise DistilError(str(exc.args[0])) from None
    if labeller is None:
        labeller = _default_labeller(stage["task"], kwargs)
    elif kwargs:
        raise DistilError(
            f"pipeline(): {', '.join(sorted(kwargs))} configure the default labeller; "
            "they cannot be combined with labeller="
        )
    return Pipeline(generator=generator, labeller=labeller)


def _default_labeller(task_keys: dict[str, Any], kwargs: dict[str, Any]) -> LLM:
    from distilabel_cli.llms.openai import OpenAILLM

    task_cls = TASK_TYPES[task_keys.pop("type")]
    kwargs = {_RENAMED.get(k, k): v for k, v in kwargs.items()}
    task_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in task_cls.model_fields}
    llm_fields = {f.name for f in dataclasses.fields(OpenAILLM) if f.init}
    unknown = sorted(set(kwargs) - llm_fields)
    if unknown:
        raise DistilError(
            f"pipeline(): unknown keyword(s) {', '.join(unknown)} for the default "
            f"{task_cls.__name__} labeller or its OpenAILLM"
        )
    defaults = {k: v for k, v in DEFAULT_LABELLER_LLM.items() if k != "type"}
    return OpenAILLM(task=task_cls(**task_keys, **task_kwargs), **{**defaults, **kwargs})
