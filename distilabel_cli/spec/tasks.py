"""The `task:` sections of the YAML spec: one model per registered task class, generated.

A task class is the only description of its options: its model here has the class's YAML
fields (`Task.yaml_fields`) plus `type`, forbids unknown keys, and validating it builds the
task, so the task's own validators report at the spec's file and line.
"""

from __future__ import annotations

import inspect
from copy import copy
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, PrivateAttr, ValidationError, create_model, model_validator

from distilabel_cli.spec.base import StrictModel
from distilabel_cli.tasks import Task, task_types


class TaskOptions(StrictModel):
    """A task's YAML options; `build` makes the task (once for the same options)."""

    #: The task class these options are for.
    task_class: ClassVar[type[Task]]
    _built: tuple[Path | None, dict[str, Any], Task] | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _build_task(self) -> TaskOptions:
        """Build the task now, unless it reads files: those need the spec's folder."""
        if not self.task_class.path_options:
            try:
                self.build()
            except ValueError as exc:
                raise ValueError(first_error(exc)) from None
        return self

    def options(self, spec_dir: Path | None = None) -> dict[str, Any]:
        """The task's keyword arguments: the given options, file paths resolved."""
        options = self.model_dump(exclude={"type"}, exclude_none=True)
        for name in self.task_class.path_options:
            if name in options:
                options[name] = str(resolve_path(options[name], spec_dir))
        return options

    def build(self, spec_dir: Path | None = None) -> Task:
        """The task these options describe; built once (again if the options changed).

        `spec_dir` is the spec file's folder, where files the task reads are looked up first.
        Raises ValueError when the task refuses its options.
        """
        folder = spec_dir if self.task_class.path_options else None
        options = self.options(folder)
        if self._built is None or self._built[:2] != (folder, options):
            self._built = (folder, options, self.task_class(**options))
        return self._built[2]


def resolve_path(path: str, spec_dir: Path | None) -> Path:
    """A path as given: relative to the spec's folder first, then the cwd."""
    given = Path(path).expanduser()
    if spec_dir is not None and not given.is_absolute() and (spec_dir / given).exists():
        return spec_dir / given
    return given


def first_error(exc: ValueError) -> str:
    """The first message of a (validation) error, without pydantic's "Value error, "."""
    if isinstance(exc, ValidationError):
        return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
    return str(exc)


def options_model(cls: type[Task]) -> type[TaskOptions]:
    """The YAML model of a task class: `type` and the class's YAML fields."""
    doc = inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    fields: dict[str, Any] = {"type": (Literal[cls.task_type], ...)}
    fields.update({name: (i.annotation, copy(i)) for name, i in cls.yaml_fields().items()})
    model = create_model(  # type: ignore[call-overload]
        f"{cls.__name__.removesuffix('Task')}Spec",
        __base__=TaskOptions,
        __doc__=doc,
        __module__=__name__,
        **fields,
    )
    model.task_class = cls
    return model


#: The model of each task type, by YAML `type`.
TASK_SPECS: dict[str, type[TaskOptions]] = {t: options_model(c) for t, c in task_types().items()}
globals().update({model.__name__: model for model in TASK_SPECS.values()})  # picklable by name

#: A `task:` mapping: its `type` picks the model.
TaskSpec = Annotated[Union[tuple(TASK_SPECS.values())], Field(discriminator="type")]  # noqa: UP007
