"""Tasks: prompts for a row and parsers for the model's answer.

Task classes are registered by YAML `task.type` and imported when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from distilabel_cli.tasks.base import Task
from distilabel_cli.tasks.prompt import Prompt

if TYPE_CHECKING:
    from distilabel_cli.tasks.custom import CustomTask
    from distilabel_cli.tasks.evol_instruct import EvolComplexityTask, EvolInstructTask
    from distilabel_cli.tasks.evol_quality import EvolQualityTask
    from distilabel_cli.tasks.judgelm import JudgeLMTask
    from distilabel_cli.tasks.prometheus import PrometheusTask
    from distilabel_cli.tasks.scorers import ComplexityScorerTask, QualityScorerTask
    from distilabel_cli.tasks.self_instruct import SelfInstructTask
    from distilabel_cli.tasks.text_generation import TextGenerationTask
    from distilabel_cli.tasks.ultracm import UltraCMTask
    from distilabel_cli.tasks.ultrafeedback import UltraFeedbackTask
    from distilabel_cli.tasks.ultrajudge import UltraJudgeTask

#: YAML `task.type` -> (module under distilabel_cli.tasks, class name).
_REGISTRY: dict[str, tuple[str, str]] = {
    "text-generation": ("text_generation", "TextGenerationTask"),
    "self-instruct": ("self_instruct", "SelfInstructTask"),
    "evol-instruct": ("evol_instruct", "EvolInstructTask"),
    "evol-complexity": ("evol_instruct", "EvolComplexityTask"),
    "evol-quality": ("evol_quality", "EvolQualityTask"),
    "ultrafeedback": ("ultrafeedback", "UltraFeedbackTask"),
    "judgelm": ("judgelm", "JudgeLMTask"),
    "ultrajudge": ("ultrajudge", "UltraJudgeTask"),
    "quality-scorer": ("scorers", "QualityScorerTask"),
    "complexity-scorer": ("scorers", "ComplexityScorerTask"),
    "ultracm": ("ultracm", "UltraCMTask"),
    "prometheus": ("prometheus", "PrometheusTask"),
    "custom": ("custom", "CustomTask"),
}


def task_class(task_type: str) -> type[Task]:
    """The task class of a YAML `task.type`."""
    module, name = _REGISTRY[task_type]
    return getattr(import_module(f"distilabel_cli.tasks.{module}"), name)


class _LazyTaskTypes(dict):  # type: ignore[type-arg]
    """`TASK_TYPES[type]` imports the task's module on first use."""

    def __missing__(self, key: str) -> type[Task]:
        cls = task_class(key)
        self[key] = cls
        return cls

    def __contains__(self, key: object) -> bool:
        return key in _REGISTRY


#: Task classes by YAML `task.type`.
TASK_TYPES: dict[str, type[Task]] = _LazyTaskTypes()


def all_task_classes() -> dict[str, type[Task]]:
    """Every task class, by class name (the `__type_info__.name` of a sidecar)."""
    return {name: task_class(t) for t, (_, name) in _REGISTRY.items()}


def task_from_sidecar(data: dict[str, Any]) -> Task | None:
    """Rebuild a task from `distilabel-task.json` content (ours or distilabel 0.6's).

    Returns None when the task type is unknown here; unknown fields are ignored.
    """
    info = data.get("__type_info__") or {}
    name = info.get("name", "")
    known = {cls_name: t for t, (_, cls_name) in _REGISTRY.items()}
    if name not in known:
        return None
    cls = task_class(known[name])
    fields = {k: v for k, v in data.items() if k in cls.model_fields}
    from_06 = getattr(cls, "fields_from_distilabel_06", None)
    if from_06 is not None:  # 0.6 stored other fields for the same settings
        fields = from_06(data, fields)
    try:
        return cls(**fields)
    except ValueError:
        return None


def __getattr__(name: str) -> Any:
    """`from distilabel_cli.tasks import JudgeLMTask` etc. without importing every task."""
    for task_type, (_, cls_name) in _REGISTRY.items():
        if cls_name == name:
            return task_class(task_type)
    if name == "TASK_CLASSES":
        return all_task_classes()
    raise AttributeError(name)


__all__ = [
    "TASK_TYPES",
    "ComplexityScorerTask",
    "CustomTask",
    "EvolComplexityTask",
    "EvolInstructTask",
    "EvolQualityTask",
    "JudgeLMTask",
    "PrometheusTask",
    "Prompt",
    "QualityScorerTask",
    "SelfInstructTask",
    "Task",
    "TextGenerationTask",
    "UltraCMTask",
    "UltraFeedbackTask",
    "UltraJudgeTask",
    "all_task_classes",
    "task_class",
    "task_from_sidecar",
]
