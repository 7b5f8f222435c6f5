"""Fast start (issue #14): what a fresh interpreter loads for `import distilabel_cli`,
`distil --version` and `distil --help` (a sys.modules check, not a timing; timings are in
bench/bench_startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import REPO

import distilabel_cli

#: Never loaded by `import distilabel_cli` (issue #14's list).
HEAVY = ("datasets", "pyarrow", "torch", "llama_cpp", "argilla", "aiohttp", "matplotlib")

#: Runs `distil ARGS` in this interpreter, then prints the heavy top-level packages loaded.
PROBE = """
import json, sys
heavy, args = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["distil", *args]
from distilabel_cli.cli.app import main
try:
    main()
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(heavy))
print("LOADED", json.dumps(loaded))
"""


def fresh_python(*argv: str) -> str:
    """Stdout of `python ARGV` in a new interpreter, from the repository root."""
    result = subprocess.run(
        [sys.executable, *argv], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def loaded_by_cli(*args: str) -> tuple[list[str], str]:
    """(heavy packages loaded, the command's output) for `distil ARGS` in a new interpreter."""
    stdout = fresh_python("-c", PROBE, json.dumps(HEAVY), json.dumps(args))
    output, _, loaded = stdout.rpartition("LOADED ")
    return json.loads(loaded), output


def test_import_loads_no_heavy_module() -> None:
    code = (
        "import json, sys, distilabel_cli; "
        f"print(json.dumps(sorted({{n.split('.')[0] for n in sys.modules}} & set({HEAVY!r}))))"
    )
    assert json.loads(fresh_python("-c", code)) == []


def test_version_loads_neither_datasets_nor_pyarrow() -> None:
    loaded, output = loaded_by_cli("--version")
    assert loaded == []
    assert output.strip() == f"distil {distilabel_cli.__version__}"


@pytest.mark.parametrize("args", [("--help",), ("validate", "--help"), ("run", "--help")])
def test_help_loads_neither_datasets_nor_pyarrow(args: tuple[str, ...]) -> None:
    loaded, output = loaded_by_cli(*args)
    assert loaded == []
    assert "Usage:" in output


def test_version_has_one_source() -> None:
    """pyproject reads `__version__` from distilabel_cli/_version.py (setuptools dynamic)."""
    assert version("distilabel-cli") == distilabel_cli.__version__
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in pyproject["project"]["dynamic"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "distilabel_cli._version.__version__"}


def test_input_columns_reads_headers_without_datasets_or_pyarrow(tmp_path: Path) -> None:
    """`distil validate` checks columns from a JSONL/CSV/JSON header in plain Python."""
    (tmp_path / "rows.jsonl").write_text('{"prompt": "a", "n": 1}\n', encoding="utf-8")
    (tmp_path / "rows.csv").write_text("prompt,n\na,1\n", encoding="utf-8")
    (tmp_path / "rows.json").write_text('[{"prompt": "a", "n": 1}]', encoding="utf-8")
    code = """
import json, sys
from pathlib import Path
from distilabel_cli.dataset.io.inputs import input_columns
from distilabel_cli.spec.models import InputSpec
files = sorted(Path(sys.argv[1]).iterdir())
columns = [input_columns(InputSpec(path=str(f), rename={"prompt": "input"})) for f in files]
loaded = sorted({n.split(".")[0] for n in sys.modules} & {"datasets", "pyarrow", "pandas"})
print(json.dumps([columns, loaded]))
"""
    columns, loaded = json.loads(fresh_python("-c", code, str(tmp_path)))
    assert columns == [["input", "n"]] * 3
    assert loaded == []


def test_the_command_leaves_its_heap_to_the_os() -> None:
    """After a command, `main` stops the collector and freezes what is alive, so that the
    interpreter's exit does not walk the heap (docs/benchmarks.md: 0.5 s after a run); the
    output and atexit handlers are unaffected."""
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('ATEXIT', gc.isenabled(), gc.get_freeze_count() > 0))\n"
        "sys.argv = ['distil', 'schema']\n"
        "from distilabel_cli.cli.app import main\n"
        "main()\n"
    )
    stdout = fresh_python("-c", probe)
    schema, _, tail = stdout.rpartition("ATEXIT")
    assert json.loads(schema)["title"] and tail.split() == ["False", "True"]
