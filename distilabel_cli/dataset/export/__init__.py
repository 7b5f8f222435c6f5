"""`distil export`: one dataset in every training format (TRL SFT/DPO/KTO, OpenAI, Alpaca,
ShareGPT).

`names` lists the formats (light); `formats` is the registry of builders, `select` picks the
responses of the SFT formats, `preference` builds the pair formats from `distil binarize`'s
pairs, `core` converts batch by batch, `write` saves by suffix and pushes. Names are imported
on first use, so importing this package loads neither `datasets` nor pyarrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distilabel_cli.dataset.export.names import FORMAT_NAMES
from distilabel_cli.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from distilabel_cli.dataset.export.core import Exported, ExportOptions, export_dataset
    from distilabel_cli.dataset.export.formats import FORMATS
    from distilabel_cli.dataset.export.write import push_splits, write_splits

EXPORTS: dict[str, tuple[str, str]] = {
    "ExportOptions": ("core", "ExportOptions"),
    "Exported": ("core", "Exported"),
    "export_dataset": ("core", "export_dataset"),
    "FORMATS": ("formats", "FORMATS"),
    "push_splits": ("write", "push_splits"),
    "write_splits": ("write", "write_splits"),
}

__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)

__all__ = [
    "FORMATS",
    "FORMAT_NAMES",
    "ExportOptions",
    "Exported",
    "export_dataset",
    "push_splits",
    "write_splits",
]
