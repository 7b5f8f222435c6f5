"""Tasks: prompts for a row and parsers for the model's answer."""

from __future__ import annotations

from typing import Any

from distilabel_cli.tasks.base import Task
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.text_generation import TextGenerationTask
from distilabel_cli.tasks.ultrafeedback import UltraFeedbackTask

#: Task classes by class name (the `__type_info__.name` of a sidecar).
TASK_CLASSES: dict[str, type[Task]] = {
    cls.__name__: cls for cls in (TextGenerationTask, UltraFeedbackTask)
}

#: Task classes by YAML `task.type`.
TASK_TYPES: dict[str, type[Task]] = {
    "text-generation": TextGenerationTask,
    "ultrafeedback": UltraFeedbackTask,
}


def task_from_sidecar(data: dict[str, Any]) -> Task | None:
    """Rebuild a task from `distilabel-task.json` content (ours or distilabel 0.6's).

    Returns None when the task type is unknown here; unknown fields are ignored.
    """
    info = data.get("__type_info__") or {}
    cls = TASK_CLASSES.get(info.get("name", ""))
    if cls is None:
        return None
    fields = {k: v for k, v in data.items() if k in cls.model_fields}
    return cls(**fields)


__all__ = [
    "TASK_CLASSES",
    "TASK_TYPES",
    "Prompt",
    "Task",
    "TextGenerationTask",
    "UltraFeedbackTask",
    "task_from_sidecar",
]
