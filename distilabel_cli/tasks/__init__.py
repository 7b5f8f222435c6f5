"""Tasks: prompts for a row and parsers for the model's answer.

`REGISTRY` lists every task class; each declares its YAML `task_type`, and its fields are its
options (the spec's `task:` models are generated from them: `distilabel_cli.spec.tasks`).
Task modules are imported when first used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
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

#: Every task class, as "module:Class" under distilabel_cli.tasks, in the order the spec's
#: errors and schema list their types. Adding a task: its module, and one line here.
REGISTRY: tuple[str, ...] = (
    "text_generation:TextGenerationTask",
    "self_instruct:SelfInstructTask",
    "evol_instruct:EvolInstructTask",
    "evol_instruct:EvolComplexityTask",
    "evol_quality:EvolQualityTask",
    "ultrafeedback:UltraFeedbackTask",
    "judgelm:JudgeLMTask",
    "ultrajudge:UltraJudgeTask",
    "scorers:QualityScorerTask",
    "scorers:ComplexityScorerTask",
    "ultracm:UltraCMTask",
    "prometheus:PrometheusTask",
    "custom:CustomTask",
)


def _import(entry: str) -> type[Task]:
    module, name = entry.split(":")
    return getattr(import_module(f"distilabel_cli.tasks.{module}"), name)


def _entry_of(class_name: str) -> str | None:
    return next((e for e in REGISTRY if e.split(":")[1] == class_name), None)


@cache
def task_types() -> dict[str, type[Task]]:
    """Every task class by its YAML `task_type`, in registry order."""
    types: dict[str, type[Task]] = {}
    for entry in REGISTRY:
        cls = _import(entry)
        task_type = cls.__dict__.get("task_type")
        if task_type is None or task_type in types:
            raise TypeError(f"{entry} must declare its own, unique task_type (got {task_type!r})")
        types[task_type] = cls
    return types


class _TaskTypes(Mapping[str, type[Task]]):
    """`TASK_TYPES[type]`: imports the task modules on first use."""

    def __getitem__(self, key: str) -> type[Task]:
        return task_types()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(task_types())

    def __len__(self) -> int:
        return len(REGISTRY)


#: Task classes by YAML `task.type`.
TASK_TYPES: Mapping[str, type[Task]] = _TaskTypes()


def task_class(task_type: str) -> type[Task]:
    """The task class of a YAML `task.type`."""
    return task_types()[task_type]


def all_task_classes() -> dict[str, type[Task]]:
    """Every task class, by class name (the `__type_info__.name` of a sidecar)."""
    return {cls.__name__: cls for cls in task_types().values()}


def task_from_sidecar(data: dict[str, Any]) -> Task | None:
    """Rebuild a task from `distilabel-task.json` content (ours or distilabel 0.6's).

    Returns None when the task type is unknown here; unknown fields are ignored.
    """
    info = data.get("__type_info__") or {}
    entry = _entry_of(str(info.get("name", "")))
    if entry is None:
        return None
    cls = _import(entry)
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
    entry = _entry_of(name)
    if entry is not None:
        return _import(entry)
    if name == "TASK_CLASSES":
        return all_task_classes()
    raise AttributeError(name)


__all__ = [
    "REGISTRY",
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
    "task_types",
]
