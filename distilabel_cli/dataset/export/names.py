"""The export formats by name, with what each is for: light, for the CLI's choices and help.

The builders live in `distilabel_cli.dataset.export.formats` (which imports pyarrow).
"""

from __future__ import annotations

#: Format name -> one line for `--help` and the docs.
FORMAT_SUMMARIES: dict[str, str] = {
    "sft-messages": "TRL SFT: `messages` [system?, user, assistant]",
    "dpo": "TRL DPO, explicit prompt: `prompt` messages, `chosen`/`rejected` assistant messages",
    "dpo-implicit": "TRL DPO, implicit prompt: what `distil binarize` writes",
    "kto": "TRL KTO (unpaired): `prompt`, `completion`, `label`",
    "openai-chat": 'OpenAI fine-tuning JSONL: {"messages": [...]} per line',
    "alpaca": "Alpaca: `instruction`, `input`, `output`",
    "sharegpt": "ShareGPT: `conversations` of {from, value}",
}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMAT_SUMMARIES)
#: Formats built from chosen/rejected pairs (they need ratings); the others from responses.
PAIR_FORMATS: tuple[str, ...] = ("dpo", "dpo-implicit", "kto")
