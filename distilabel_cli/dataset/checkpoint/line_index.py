"""Where each row's saved stages are in a checkpoint's `rows.jsonl`, without holding them.

Resuming a run of millions of rows must not load every saved row into memory: the index keeps
two byte offsets per input row (its latest generation line and its latest labelling line,
8 bytes each) and reads a row's lines back when the row's turn comes.
"""

from __future__ import annotations

from array import array
from pathlib import Path
from typing import Any

from distilabel_cli.dataset.checkpoint.store import GENERATED, parse_line

NONE = -1


class LineIndex:
    """Offsets of the latest `g` and `l` line of rows `0 .. rows-1` in a `rows.jsonl`.

    Lines of rows past `rows` (a shorter input now) are ignored; a new `g` line drops the
    row's earlier `l` line (labels made from generations that were replaced), as on reading.
    A torn last line (a crash mid-write) is ignored.
    """

    def __init__(self, path: Path, rows: int) -> None:
        self.path = path
        self.generated = array("q", [NONE]) * rows
        self.labelled = array("q", [NONE]) * rows
        if path.is_file():
            self._scan(rows)
        self._handle = path.open("rb") if path.is_file() else None

    def _scan(self, rows: int) -> None:
        offset = 0
        with self.path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.endswith(b"\n"):
                    break
                index, _digest, stage, _columns = parse_line(line, self.path, number)
                if index < rows:
                    if stage == GENERATED:
                        self.generated[index] = offset
                        self.labelled[index] = NONE
                    else:
                        self.labelled[index] = offset
                offset += len(line)

    def __contains__(self, index: int) -> bool:
        return self.generated[index] != NONE or self.labelled[index] != NONE

    def saved_indices(self) -> list[int]:
        """The rows that have any saved stage, in order."""
        return [i for i in range(len(self.generated)) if i in self]

    def read(self, index: int) -> tuple[str, dict[str, Any]] | None:
        """A row's input hash and saved columns (generation, then labelling); None if none."""
        if self._handle is None or index not in self:
            return None
        columns: dict[str, Any] = {}
        digest = ""
        for offset in (self.generated[index], self.labelled[index]):
            if offset == NONE:
                continue
            self._handle.seek(offset)
            line = self._handle.readline()
            _index, digest, _stage, stage_columns = parse_line(line, self.path, 0)
            columns.update(stage_columns)
        return digest, columns

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
