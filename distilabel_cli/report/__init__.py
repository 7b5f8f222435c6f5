"""`distil report`: one self-contained HTML page about a dataset distil made.

Statistics are computed column-wise from Arrow (`ratings`, `quality`), charts are matplotlib
SVG (`charts`), the page is a Jinja2 template (`templates/`). Importing this package is cheap:
`write_report` loads pyarrow, numpy and matplotlib when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distilabel_cli.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from distilabel_cli.report.build import build_report, write_report

EXPORTS: dict[str, tuple[str, str]] = {
    "build_report": ("build", "build_report"),
    "write_report": ("build", "write_report"),
}

__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)

__all__ = ["build_report", "write_report"]
