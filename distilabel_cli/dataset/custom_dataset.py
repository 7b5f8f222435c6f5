"""CustomDataset: a `datasets.Dataset` that carries the task that produced it."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datasets import Dataset

from distilabel_cli.errors import DistilError
from distilabel_cli.tasks import Task, task_from_sidecar

if TYPE_CHECKING:
    from distilabel_cli.dataset.argilla import ArgillaDataset

TASK_SIDECAR = "distilabel-task.json"
RUN_SIDECAR = "distil-run.json"


class CustomDataset(Dataset):
    """A dataset plus `.task` and `.run_info` (spec and run report, secrets masked).

    Saving writes `distilabel-task.json` and `distil-run.json` beside the data.
    """

    task: Task | None = None
    run_info: dict[str, Any] | None = None

    @classmethod
    def from_dataset(
        cls, dataset: Dataset, task: Task | None = None, run_info: dict[str, Any] | None = None
    ) -> CustomDataset:
        """Wrap an existing dataset (no copy of the data)."""
        wrapped = cls(
            dataset.data,
            info=dataset.info.copy(),
            split=dataset.split,
            indices_table=dataset._indices,
            fingerprint=dataset._fingerprint,
        )
        wrapped.task = task
        wrapped.run_info = run_info
        return wrapped

    def save_to_disk(self, dataset_path: str | Path, **kwargs: Any) -> None:  # type: ignore[override]
        """Save data and task; an existing folder is replaced only once the new one is whole."""
        target = Path(dataset_path)
        refuse_to_replace(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            super().save_to_disk(str(staging), **kwargs)
            write_sidecars(staging, self.task, self.run_info)
            replace_folder(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def load_from_disk(cls, dataset_path: str | Path, **kwargs: Any) -> CustomDataset:  # type: ignore[override]
        """Load data and, when their sidecars are there, its task and run record.

        A distil checkpoint folder opens as the dataset of the rows finished so far.
        """
        from distilabel_cli.dataset import is_checkpoint_folder

        if is_checkpoint_folder(dataset_path):
            from distilabel_cli.dataset.checkpoint.as_dataset import load_checkpoint_dataset

            return load_checkpoint_dataset(dataset_path)
        dataset = Dataset.load_from_disk(str(dataset_path), **kwargs)
        run_file = Path(dataset_path) / RUN_SIDECAR
        run_info = json.loads(run_file.read_text(encoding="utf-8")) if run_file.is_file() else None
        return cls.from_dataset(dataset, read_task(Path(dataset_path)), run_info)

    def push_to_hub(  # type: ignore[override]
        self,
        repo_id: str,
        *,
        private: bool = False,
        token: str | None = None,
        split: str = "train",
        push_task: bool = True,
    ) -> str:
        """Upload data, task sidecar, run record and a dataset card; returns the repo URL.

        The token defaults to `HF_TOKEN` / `HF_API_TOKEN`. `push_task=False` (distilabel
        0.6's switch) leaves the task sidecar out. Any other argument is a TypeError.
        """
        from distilabel_cli.dataset.io.hub import push_dataset

        dataset = self if push_task else CustomDataset.from_dataset(self, None, self.run_info)
        return push_dataset(dataset, repo_id, private=private, token=token, split=split)

    def to_argilla(
        self,
        dataset_columns: list[str] | None = None,
        vector_strategy: Any = True,
        metric_strategy: Any = True,
    ) -> ArgillaDataset:
        """This dataset laid out for Argilla review; `.push_to_argilla(name=, workspace=)` sends it.

        See `distilabel_cli.dataset.argilla.to_argilla` and docs/argilla.md.
        """
        from distilabel_cli.dataset.argilla import to_argilla

        return to_argilla(self, dataset_columns, vector_strategy, metric_strategy)


def write_sidecars(folder: Path, task: Task | None, run_info: dict[str, Any] | None) -> None:
    """The task and the run record beside a saved dataset's data (when there are any)."""
    if task is not None:
        (folder / TASK_SIDECAR).write_text(
            json.dumps(task.to_sidecar(), indent=2), encoding="utf-8"
        )
    if run_info is not None:
        (folder / RUN_SIDECAR).write_text(
            json.dumps(run_info, indent=2, default=str), encoding="utf-8"
        )


def read_task(folder: Path) -> Task | None:
    """The task stored in a dataset folder, or None."""
    sidecar = folder / TASK_SIDECAR
    if not sidecar.is_file():
        return None
    return task_from_sidecar(json.loads(sidecar.read_text(encoding="utf-8")))


def refuse_to_replace(target: Path) -> None:
    """Never delete a file or a non-empty folder that is not a saved dataset."""
    if target.is_file():
        raise DistilError(f"{target} is a file, not a dataset folder; choose another output path")
    is_dataset = (target / "state.json").is_file() or (target / "dataset_dict.json").is_file()
    if target.is_dir() and any(target.iterdir()) and not is_dataset:
        raise DistilError(
            f"{target} exists and is not a saved dataset; refusing to replace it "
            "(choose another output path or remove it)"
        )


def replace_folder(new: Path, target: Path) -> None:
    """Put `new` at `target`, removing an older `target` only after the move is possible."""
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        new.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(target)
