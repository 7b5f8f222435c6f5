"""Build a task from its spec."""

from __future__ import annotations

from pathlib import Path

from distilabel_cli.spec.tasks import TaskSpec
from distilabel_cli.tasks import Task


def build_task(spec: TaskSpec, spec_dir: Path | None = None) -> Task:
    """The task a task spec describes (a custom template is read from disk, relative to
    `spec_dir` first). Built once per spec: validating the spec built it already, except a
    task that reads files; raises ValueError when the task refuses its options."""
    return spec.build(spec_dir)
