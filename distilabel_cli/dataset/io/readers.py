"""Local data files as Arrow tables; a bad file is one message naming it and its 1-based line.

JSONL is read by pyarrow's fast streaming reader (block by block) unless the file holds a
`null`: that reader crashes or silently shifts values when a list starts with null (e.g.
`"generations": [null, "x"]`, a failed generation in distil's own `data.jsonl`). Such files,
files it refuses, and files where it turned date-like strings into timestamps are read line by
line in Python instead, each column's type inferred from all its values.

The `peek_*` functions read only column names, in plain Python: `distil validate` uses them,
and this module imports pyarrow only inside the readers that build tables.
"""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    import pyarrow as pa

#: Python kinds of JSON values, to find the first value of a column that breaks its type.
_KINDS = {bool: "boolean", int: "number", float: "number", str: "string", list: "list"}


#: Bytes per block of pyarrow's streaming JSON reader: memory stays near the table's size.
JSONL_BLOCK_BYTES = 1 << 20


def read_jsonl(path: Path) -> pa.Table:
    """Every line of a JSON Lines file is an object (blank lines are skipped)."""
    table = _read_jsonl_streaming(path)
    if table is not None:
        return table
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not data or data.isspace():
        raise no_rows(path, "the file is empty" if not data else "the file has only blank lines")
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        row = _parse_line(path, number, raw)
        rows.append(row)
        lines.append(number)
    return table_from_rows(path, rows, lines, "line")


def _read_jsonl_streaming(path: Path) -> pa.Table | None:
    """The file read by pyarrow block by block (never the whole file in memory at once);
    None when the Python reader must read it: a `null` anywhere, a byte-order mark, no rows,
    a line pyarrow refuses, a type that changes between blocks, or date-like strings."""
    import pyarrow as pa
    import pyarrow.json as pa_json

    if _starts_with_bom(path) or _contains(path, b"null"):
        return None
    try:
        reader = pa_json.open_json(path, read_options=pa_json.ReadOptions(JSONL_BLOCK_BYTES))
        table = pa.Table.from_batches(list(reader))
    except (pa.ArrowException, SystemError):
        return None  # the Python reader names the line and the column
    if table.num_rows == 0 or any("timestamp" in str(f.type) for f in table.schema):
        return None  # (pyarrow turns date-like strings into timestamps: not ours)
    return table


def _starts_with_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8


def _contains(path: Path, needle: bytes, chunk: int = 1 << 23) -> bool:
    """Whether the file holds `needle`, read in chunks (overlapping by its length)."""
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            if needle in tail + block:
                return True
            tail = block[-len(needle) + 1 :]
    return False


def _parse_line(path: Path, number: int, raw: bytes) -> dict[str, Any]:
    where = f"{path}, line {number}"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DistilError(
            f"{where}: cannot read: not UTF-8 text (byte {exc.start + 1} of the line)"
        ) from None
    try:
        row = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        raise DistilError(f"{where}: cannot read: {_syntax_error(exc)}") from None
    if not isinstance(row, dict):
        raise DistilError(f"{where}: expected a JSON object, got {_kind(row)}")
    return row


def _syntax_error(exc: json.JSONDecodeError) -> str:
    at = "" if exc.msg.endswith(" at") else " at"
    return f"JSON syntax error: {exc.msg}{at} column {exc.colno}"


def read_json(path: Path, split: str) -> pa.Table:
    """A JSON list of objects, or an object holding it under `data` or the split's name."""
    rows = json_rows(path, split)
    return table_from_rows(path, rows, list(range(1, len(rows) + 1)), "item")


def json_rows(path: Path, split: str) -> list[dict[str, Any]]:
    """The objects of a JSON file as `read_json` finds them, checked to be a non-empty list."""
    text = _decode(path, path.read_bytes())
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DistilError(f"{path}, line {exc.lineno}: cannot read: {_syntax_error(exc)}") from None
    if isinstance(rows, dict):
        rows = rows.get("data", rows.get(split))
    if not isinstance(rows, list):
        raise DistilError(f"{path}: expected a JSON list of objects")
    if not rows:
        raise no_rows(path, "the list is empty")
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise DistilError(f"{path}: item {number} of the list is {_kind(row)}, not an object")
    return rows


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DistilError(f"{path}, line {line}: cannot read: not UTF-8 text") from None


def table_from_rows(
    path: Path, rows: list[dict[str, Any]], numbers: list[int], unit: str
) -> pa.Table:
    """One column per key seen in any row (first-seen order), typed from all its values."""
    import pyarrow as pa

    names = row_keys(rows)
    arrays = []
    for name in names:
        values = [row.get(name) for row in rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise DistilError(_type_clash(path, name, values, numbers, unit, exc)) from None
    return pa.table(arrays, names=names)


def row_keys(rows: list[dict[str, Any]]) -> list[str]:
    """Every key seen in any row, in first-seen order (the columns of `table_from_rows`)."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def _type_clash(
    path: Path, name: str, values: list[Any], numbers: list[int], unit: str, exc: Exception
) -> str:
    """Name the first value whose kind differs from the column's first value."""
    first: str | None = None
    for value, number in zip(values, numbers, strict=True):
        if value is None:
            continue
        kind = _kind(value)
        if first is None:
            first = kind
        elif kind != first:
            return (
                f"{path}, {unit} {number}: column {name!r} holds {kind} here but {first} "
                "before; a column needs one type"
            )
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{path}: column {name!r} cannot be read as one type: {reason}"


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), "object" if isinstance(value, dict) else type(value).__name__)


def read_csv(path: Path) -> pa.Table:
    """A CSV file with a header row; quoted values may span lines."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    if path.stat().st_size == 0:
        raise no_rows(path, "the file is empty")
    options = pa_csv.ParseOptions(newlines_in_values=True)
    try:
        table = pa_csv.read_csv(path, parse_options=options)
    except pa.ArrowInvalid as exc:
        raise DistilError(_csv_error(path, exc)) from None
    if table.num_rows == 0:
        raise no_rows(path, "only a header line")
    return _unique_columns(path, table, "line 1: ")


def _csv_error(path: Path, exc: Exception) -> str:
    """pyarrow's CSV errors carry no line: find the first malformed record with `csv`."""
    reason = str(exc).splitlines()[0]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, [])
            start = reader.line_num + 1
            for record in reader:
                if record and len(record) != len(header):
                    return (
                        f"{path}, line {start}: cannot read: expected {len(header)} columns "
                        f"(as in the header), got {len(record)}"
                    )
                start = reader.line_num + 1
        except UnicodeDecodeError:
            _decode(path, path.read_bytes())  # raises, naming the line
        except csv.Error as err:
            return f"{path}, line {reader.line_num}: cannot read: {err}"
    return f"{path}: cannot read: {reason}"


def read_parquet(path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if table.num_rows == 0:
        raise no_rows(path, "the file holds no rows")
    return _unique_columns(path, table, "")


def _unique_columns(path: Path, table: pa.Table, where: str) -> pa.Table:
    seen: set[str] = set()
    for name in table.column_names:
        if name in seen:
            raise DistilError(f"{path}, {where}column {name!r} appears twice; rename one")
        seen.add(name)
    return table


def no_rows(path: Path, why: str) -> DistilError:
    return DistilError(f"{path}: no rows ({why}); nothing to do")


def peek_jsonl_columns(path: Path) -> list[str]:
    """The keys of the first object in a JSON Lines file, reading only up to that line."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            if raw.strip():
                return list(_parse_line(path, number, raw))
    raise no_rows(
        path, "the file is empty" if path.stat().st_size == 0 else "the file has only blank lines"
    )


def peek_csv_columns(path: Path) -> list[str]:
    """The header of a CSV file."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
    if header is None:
        raise no_rows(path, "the file is empty")
    return header
