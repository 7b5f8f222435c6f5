"""distil: synthetic and AI-feedback datasets for LLM training from YAML pipeline specs.

The public names below (distilabel 0.6's API) are imported on first use, so
`import distilabel_cli` loads no `datasets`, `pyarrow`, `aiohttp` or model runtime.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

from distilabel_cli._version import __version__

if TYPE_CHECKING:
    from distilabel_cli.dataset import load_dataset
    from distilabel_cli.dataset.binarize.core import prepare_dataset
    from distilabel_cli.dataset.checkpoint.store import DatasetCheckpoint
    from distilabel_cli.dataset.custom_dataset import CustomDataset
    from distilabel_cli.llms import (
        LLM,
        VLLM,
        InferenceEndpointsLLM,
        LlamaCppLLM,
        LLMPool,
        OpenAILLM,
        ProcessLLM,
        TransformersLLM,
        vLLM,
    )
    from distilabel_cli.pipeline.core import Pipeline
    from distilabel_cli.pipeline.presets import pipeline
    from distilabel_cli.tasks import (
        ComplexityScorerTask,
        CustomTask,
        EvolComplexityTask,
        EvolInstructTask,
        EvolQualityTask,
        JudgeLMTask,
        PrometheusTask,
        QualityScorerTask,
        SelfInstructTask,
        Task,
        TextGenerationTask,
        UltraCMTask,
        UltraFeedbackTask,
        UltraJudgeTask,
    )

_LLMS = (
    "LLM",
    "VLLM",
    "vLLM",
    "InferenceEndpointsLLM",
    "LlamaCppLLM",
    "LLMPool",
    "OpenAILLM",
    "ProcessLLM",
    "TransformersLLM",
)
_TASKS = (
    "Task",
    "ComplexityScorerTask",
    "CustomTask",
    "EvolComplexityTask",
    "EvolInstructTask",
    "EvolQualityTask",
    "JudgeLMTask",
    "PrometheusTask",
    "QualityScorerTask",
    "SelfInstructTask",
    "TextGenerationTask",
    "UltraCMTask",
    "UltraFeedbackTask",
    "UltraJudgeTask",
)
#: Public name -> module it is imported from on first use.
EXPORTS: dict[str, str] = {
    "CustomDataset": "distilabel_cli.dataset",
    "DatasetCheckpoint": "distilabel_cli.dataset",
    "load_dataset": "distilabel_cli.dataset",
    "prepare_dataset": "distilabel_cli.dataset",
    "Pipeline": "distilabel_cli.pipeline.core",
    **dict.fromkeys(_LLMS, "distilabel_cli.llms"),
    **dict.fromkeys(_TASKS, "distilabel_cli.tasks"),
}


def __getattr__(name: str) -> Any:
    if name not in EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *EXPORTS, "pipeline"])


class _Package(types.ModuleType):
    """`distilabel_cli.pipeline` is the 0.6 `pipeline(...)` preset function, not the
    subpackage of the same name (which stays importable as `distilabel_cli.pipeline.*`)."""

    @property
    def pipeline(self) -> Any:
        from distilabel_cli.pipeline.presets import pipeline

        return pipeline

    @pipeline.setter
    def pipeline(self, value: Any) -> None:
        """The import system binds the subpackage here; `sys.modules` keeps it."""


sys.modules[__name__].__class__ = _Package

__all__ = [
    "__version__",
    "pipeline",
    "CustomDataset",
    "DatasetCheckpoint",
    "load_dataset",
    "prepare_dataset",
    "Pipeline",
    "LLM",
    "VLLM",
    "vLLM",
    "InferenceEndpointsLLM",
    "LlamaCppLLM",
    "LLMPool",
    "OpenAILLM",
    "ProcessLLM",
    "TransformersLLM",
    "Task",
    "ComplexityScorerTask",
    "CustomTask",
    "EvolComplexityTask",
    "EvolInstructTask",
    "EvolQualityTask",
    "JudgeLMTask",
    "PrometheusTask",
    "QualityScorerTask",
    "SelfInstructTask",
    "TextGenerationTask",
    "UltraCMTask",
    "UltraFeedbackTask",
    "UltraJudgeTask",
]
