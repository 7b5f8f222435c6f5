"""Build a task from its spec."""

from __future__ import annotations

from pathlib import Path

from distilabel_cli.spec.models import TaskSpec
from distilabel_cli.spec.tasks import CustomTaskSpec
from distilabel_cli.tasks import TASK_TYPES, Task


def build_task(spec: TaskSpec, spec_dir: Path | None = None) -> Task:
    """The task object a task spec describes (a custom template is read from disk)."""
    kwargs = spec.model_dump(exclude={"type"}, exclude_none=True)
    if isinstance(spec, CustomTaskSpec):
        kwargs["template"] = str(resolve_template(spec.template, spec_dir))
    return TASK_TYPES[spec.type](**kwargs)


def resolve_template(path: str, spec_dir: Path | None) -> Path:
    """A template path as given: relative to the spec's folder first, then the cwd."""
    given = Path(path).expanduser()
    if spec_dir is not None and not given.is_absolute() and (spec_dir / given).exists():
        return spec_dir / given
    return given
