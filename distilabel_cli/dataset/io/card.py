"""The dataset card (README.md with YAML metadata) pushed with a distil dataset."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import yaml

from distilabel_cli import __version__
from distilabel_cli.redact import MASK, redact, register_spec_secrets

if TYPE_CHECKING:
    from distilabel_cli.dataset.custom_dataset import CustomDataset

SECRET_WORDS = ("key", "token", "secret", "password")
#: The Hub's size categories, by upper bound of rows.
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)


def mask_secret_keys(value: Any) -> Any:
    """A copy with every value under a secret-looking key masked."""
    if isinstance(value, dict):
        return {
            k: (
                MASK
                if v and any(w in str(k).lower() for w in SECRET_WORDS)
                else mask_secret_keys(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_secret_keys(v) for v in value]
    return value


def size_category(rows: int) -> str:
    return next((name for limit, name in SIZE_CATEGORIES if rows < limit), "n>1T")


def card_tags(dataset: CustomDataset) -> list[str]:
    """`synthetic`, `distil`, the task, and what the rows are for (`dpo`, `sft`, `rlaif`)."""
    columns = set(dataset.column_names)
    task = getattr(dataset.task, "task_type", None) if dataset.task is not None else None
    tags = ["synthetic", "distil", "distilabel", *([task] if task else [])]
    if {"chosen", "rejected"} <= columns:
        tags.append("dpo")
    elif "rating" in columns:
        tags.append("rlaif")
    elif "generations" in columns:
        tags.append("sft")
    return tags


def card_metadata(
    dataset: CustomDataset,
    license: str | None = None,
    tags: Sequence[str] = (),
    rows: int | None = None,
) -> dict[str, Any]:
    """Hub YAML metadata: size (of `rows`, e.g. all splits; default the dataset's), tags
    (with `tags`, e.g. an export format's), task category, license, the models used."""
    run = dataset.run_info or {}
    metadata: dict[str, Any] = {
        "size_categories": [size_category(len(dataset) if rows is None else rows)],
        "task_categories": ["text-generation"],
        "tags": list(dict.fromkeys([*card_tags(dataset), *tags])),
        "distil": mask_secret_keys(
            {
                "version": __version__,
                "task": type(dataset.task).__name__ if dataset.task else None,
                **_models(run),
            }
        ),
    }
    hub = ((run.get("spec") or {}).get("output") or {}).get("hub") or {}
    license = license or hub.get("license")
    if license:
        metadata["license"] = license
    return metadata


def dataset_card(
    dataset: CustomDataset,
    repo_id: str,
    metadata: dict[str, Any] | None = None,
    license: str | None = None,
    tags: Sequence[str] = (),
    rows: int | None = None,
) -> str:
    """README.md text, made with huggingface_hub's `DatasetCard`: YAML metadata
    (`DatasetCardData`, merged over `metadata`) and a human summary; secret keys' values and
    the run's registered secrets (echoed keys, URL passwords) masked."""
    from huggingface_hub import DatasetCard, DatasetCardData

    register_spec_secrets(dataset.run_info)  # URL passwords in a spec saved elsewhere
    data = DatasetCardData(**{**(metadata or {}), **card_metadata(dataset, license, tags, rows)})
    run = mask_secret_keys(dataset.run_info or {})
    report = run.get("report") or {}
    lines = [
        "---",
        data.to_yaml(),
        "---",
        "",
        f"# {repo_id.split('/')[-1]}",
        "",
        f"Built with [distil](https://pypi.org/project/distilabel-cli/) {__version__}: "
        f"{len(dataset)} rows, columns {', '.join(f'`{c}`' for c in dataset.column_names)}.",
        "",
    ]
    for role, model in _models(run).items():
        lines.append(f"- **{role.replace('_', ' ')}**: {model}")
    if dataset.task is not None:
        lines.append(f"- **task**: `{type(dataset.task).__name__}` (`distilabel-task.json`)")
    if report:
        lines += ["", "## Run summary", "", "| what | value |", "|---|---|"]
        for key in ("rows", "rows_done", "input_tokens", "output_tokens", "wall_seconds", "cost"):
            if report.get(key) is not None:
                lines.append(f"| {key} | {report[key]} |")
    if run.get("spec"):
        spec_text = yaml.safe_dump(run["spec"], sort_keys=False, allow_unicode=True)
        lines += [
            "",
            "## Pipeline spec (secrets removed)",
            "",
            "```yaml",
            spec_text.rstrip(),
            "```",
        ]
    lines += [
        "",
        "## Load",
        "",
        "```python",
        "from distilabel_cli.dataset import load_dataset",
        f'dataset = load_dataset("{repo_id}", split="train")  # .task restored',
        "```",
        "",
    ]
    if run.get("spec"):
        lines += [
            "The spec is also in this repo as `spec.yaml`: rerun it with",
            f"`distil run hf://datasets/{repo_id}/spec.yaml`.",
            "",
        ]
    return redact(str(DatasetCard("\n".join(lines))))


def rerunnable_spec(spec: dict[str, Any]) -> str:
    """The run's spec as YAML that `distil run` takes again: masked secrets are left out
    (the rerun reads its keys from the environment, as the original did)."""

    def without_masked(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: without_masked(v) for k, v in value.items() if v != MASK}
        if isinstance(value, list):
            return [without_masked(v) for v in value]
        return value

    clean = without_masked(mask_secret_keys(spec))
    return redact(yaml.safe_dump(clean, sort_keys=False, allow_unicode=True))


def _models(run: dict[str, Any]) -> dict[str, str]:
    llms = (run.get("report") or {}).get("llms") or []
    return {f"{llm['role']}_model": llm["model"] for llm in llms}
