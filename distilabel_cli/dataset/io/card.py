"""The dataset card (README.md with YAML metadata) pushed with a distil dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from distilabel_cli import __version__
from distilabel_cli.redact import MASK, redact, register_spec_secrets

if TYPE_CHECKING:
    from distilabel_cli.dataset.custom_dataset import CustomDataset

SECRET_WORDS = ("key", "token", "secret", "password")
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"))


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
    return next((name for limit, name in SIZE_CATEGORIES if rows < limit), "100K<n<1M")


def card_metadata(dataset: CustomDataset) -> dict[str, Any]:
    """Hub YAML metadata: size, tags, task category, the models used."""
    run = dataset.run_info or {}
    models = _models(run)
    return {
        "size_categories": size_category(len(dataset)),
        "tags": [
            "synthetic",
            "distil",
            "distilabel",
            *(["rlaif"] if "rating" in dataset.column_names else []),
        ],
        "task_categories": ["text-generation"],
        "distil": mask_secret_keys(
            {
                "version": __version__,
                "task": type(dataset.task).__name__ if dataset.task else None,
                **models,
            }
        ),
    }


def dataset_card(
    dataset: CustomDataset, repo_id: str, metadata: dict[str, Any] | None = None
) -> str:
    """README.md text: YAML metadata (merged over `metadata`) and a human summary; secret
    keys' values and the run's registered secrets (echoed keys, URL passwords) masked."""
    register_spec_secrets(dataset.run_info)  # URL passwords in a spec saved elsewhere
    data = {**(metadata or {}), **card_metadata(dataset)}
    run = mask_secret_keys(dataset.run_info or {})
    report = run.get("report") or {}
    lines = [
        "---",
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip(),
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
    return redact("\n".join(lines))


def _models(run: dict[str, Any]) -> dict[str, str]:
    llms = (run.get("report") or {}).get("llms") or []
    return {f"{llm['role']}_model": llm["model"] for llm in llms}
