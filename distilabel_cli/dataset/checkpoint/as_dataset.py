"""Open a checkpoint folder as the dataset of the rows finished so far (`distil recover`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distilabel_cli.columns import GENERATION_MODEL, GENERATION_PROMPT, LABELLING_MODEL
from distilabel_cli.dataset.checkpoint.store import INPUTS_FILE, is_checkpoint, read_checkpoint
from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.errors import DistilError


def load_checkpoint_dataset(folder: str | Path) -> CustomDataset:
    """The input rows whose every stage is saved, with their columns, in input order.

    Items that failed are None, as in a finished run; the task is restored from the
    checkpoint, and the generation prompts are rebuilt from it.
    """
    import pyarrow.parquet as pq
    from datasets import Dataset, Features, concatenate_datasets

    from distilabel_cli.tasks import task_from_sidecar

    folder = Path(folder)
    saved = read_checkpoint(folder) if is_checkpoint(folder) else None
    if saved is None:
        raise DistilError(f"{folder} is not a distil checkpoint (no meta.json)")
    meta = saved.meta
    inputs_path = folder / INPUTS_FILE
    if "features" not in meta or not inputs_path.is_file():
        raise DistilError(
            f"checkpoint {folder} was written by an older distil without its input rows; "
            "resume it with `distil run` instead"
        )
    fingerprint = meta.get("fingerprint") or {}
    needed = [
        column
        for role, column in (("generator", GENERATION_MODEL), ("labeller", LABELLING_MODEL))
        if fingerprint.get(role) is not None
    ]
    inputs = Dataset(pq.read_table(inputs_path))
    columns = saved.columns
    done = [i for i in sorted(columns) if i < len(inputs) and all(c in columns[i] for c in needed)]
    features = Features.from_dict(meta["features"])
    prompts = _prompt_builder(meta)
    rows = [_with_prompts(columns[i], inputs[i], prompts) for i in done]
    new = Dataset.from_dict(
        {name: [row.get(name) for row in rows] for name in features}, features=features
    )
    source = inputs.select(done)
    combined = concatenate_datasets([source, new], axis=1) if source.column_names else new
    sidecar = meta.get("labeller_task") or meta.get("generator_task")
    task = task_from_sidecar(sidecar) if sidecar else None
    return CustomDataset.from_dataset(combined, task)


def _prompt_builder(meta: dict[str, Any]) -> Any:
    """A function that rebuilds a row's generation prompt (None when it cannot)."""
    from distilabel_cli.tasks import task_from_sidecar

    sidecar = meta.get("generator_task")
    generator = (meta.get("fingerprint") or {}).get("generator") or {}
    if not sidecar or "prompt_format" not in generator:
        return None
    try:
        task = task_from_sidecar(sidecar)
    except Exception:  # noqa: BLE001 - an unloadable task only costs the prompts
        return None

    def build(row: dict[str, Any]) -> Any:
        mapped = task.task_row(row)
        if task.check_row(mapped) is not None:
            return None
        return task.generate_prompt(mapped).format_as(generator["prompt_format"])

    return build


def _with_prompts(columns: dict[str, Any], row: dict[str, Any], prompts: Any) -> dict[str, Any]:
    models = columns.get(GENERATION_MODEL)
    if prompts is None or models is None or GENERATION_PROMPT in columns:
        return columns
    return {**columns, GENERATION_PROMPT: [prompts(row)] * len(models)}
