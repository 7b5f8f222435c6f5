"""The registry of export formats: how each builds a batch, its columns and its Hub tags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
from datasets import Features, List, Value

from distilabel_cli.dataset.export import preference, sft
from distilabel_cli.dataset.export.names import FORMAT_NAMES, FORMAT_SUMMARIES, PAIR_FORMATS
from distilabel_cli.errors import DistilError

#: (batch, system prompt column or None) -> the format's columns for that batch.
Builder = Callable[[pa.Table, "str | None"], pa.Table]

_TEXT = Value("string")
_MESSAGES = List({"role": _TEXT, "content": _TEXT})
_SHAREGPT = List({"from": _TEXT, "value": _TEXT})


@dataclass(frozen=True)
class ExportFormat:
    """One training format.

    `pairs` formats are built from the chosen/rejected pairs of `distil binarize`; the others
    from the responses `--select` keeps (their builders get a batch of prompt/response/system).
    """

    name: str
    build: Builder
    #: The output features, given whether the dataset has a system prompt column (for
    #: `dpo-implicit`: None; its features are those of the binarized pairs).
    features: Callable[[bool], Features] | None
    tags: tuple[str, ...]

    @property
    def pairs(self) -> bool:
        return self.name in PAIR_FORMATS

    @property
    def summary(self) -> str:
        return FORMAT_SUMMARIES[self.name]


def _fixed(features: dict) -> Callable[[bool], Features]:
    return lambda _system: Features(features)


def _alpaca_features(system: bool) -> Features:
    columns = {"instruction": _TEXT, "input": _TEXT, "output": _TEXT}
    return Features({**columns, "system": _TEXT} if system else columns)


def _responses(build: Callable[[pa.Table], pa.Table]) -> Builder:
    return lambda batch, _system: build(batch)


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "sft-messages", _responses(sft.messages), _fixed({"messages": _MESSAGES}), ("sft",)
        ),
        ExportFormat(
            "dpo",
            preference.dpo,
            _fixed({"prompt": _MESSAGES, "chosen": _MESSAGES, "rejected": _MESSAGES}),
            ("dpo", "preference"),
        ),
        ExportFormat("dpo-implicit", preference.dpo_implicit, None, ("dpo", "preference")),
        ExportFormat(
            "kto",
            preference.kto,
            _fixed({"prompt": _MESSAGES, "completion": _MESSAGES, "label": Value("bool")}),
            ("kto", "preference"),
        ),
        ExportFormat(
            "openai-chat", _responses(sft.messages), _fixed({"messages": _MESSAGES}), ("sft",)
        ),
        ExportFormat("alpaca", _responses(sft.alpaca), _alpaca_features, ("sft", "alpaca")),
        ExportFormat(
            "sharegpt", _responses(sft.sharegpt), _fixed({"conversations": _SHAREGPT}), ("sft",)
        ),
    )
}
assert tuple(FORMATS) == FORMAT_NAMES, "names.FORMAT_SUMMARIES and FORMATS disagree"


def get_format(name: str) -> ExportFormat:
    """The format called `name`; a clear error for any other name."""
    try:
        return FORMATS[name]
    except KeyError:
        raise DistilError(
            f"unknown export format {name!r}; expected one of {', '.join(FORMAT_NAMES)}"
        ) from None
