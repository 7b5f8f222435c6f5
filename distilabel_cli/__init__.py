"""distil: synthetic and AI-feedback datasets for LLM training from YAML pipeline specs."""

from __future__ import annotations

__version__ = "0.1.0"

from distilabel_cli.dataset.binarize import prepare_dataset  # noqa: E402
from distilabel_cli.dataset.checkpoint import DatasetCheckpoint  # noqa: E402
from distilabel_cli.dataset.custom_dataset import CustomDataset  # noqa: E402
from distilabel_cli.llms import (  # noqa: E402
    VLLM,
    InferenceEndpointsLLM,
    LlamaCppLLM,
    OpenAILLM,
    TransformersLLM,
)
from distilabel_cli.pipeline.pipeline import Pipeline  # noqa: E402
from distilabel_cli.pipeline.presets import pipeline  # noqa: E402
from distilabel_cli.tasks import TextGenerationTask, UltraFeedbackTask  # noqa: E402

__all__ = [
    "VLLM",
    "CustomDataset",
    "DatasetCheckpoint",
    "InferenceEndpointsLLM",
    "LlamaCppLLM",
    "OpenAILLM",
    "Pipeline",
    "TextGenerationTask",
    "TransformersLLM",
    "UltraFeedbackTask",
    "__version__",
    "pipeline",
    "prepare_dataset",
]
