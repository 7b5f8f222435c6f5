"""Cost before, during and after a run (issue #12, part 3): known prices, `--estimate`,
`run.max_cost`. Real `distil run` processes against `CountingServer` (real HTTP, the real
OpenAI backend; every answer reports 10 prompt and 5 completion tokens)."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import distil
from counting_server import CountingServer

from distilabel_cli.llms.prices import known_pricing

SPEC = """\
input: {{path: data.jsonl}}
generator:
  llm: {{type: openai, model: {model}, base_url: "{url}", concurrency: 1{extra}}}
  task: {{type: text-generation}}
run: {{num_generations: 1{run}}}
output: {{path: out/data}}
"""


def setup(folder: Path, url: str, rows: int = 20, model: str = "gpt-4o-mini", **kw: str) -> None:
    (folder / "data.jsonl").write_text("".join(f'{{"input": "q{i}"}}\n' for i in range(rows)))
    text = SPEC.format(url=url, model=model, extra=kw.get("extra", ""), run=kw.get("run", ""))
    (folder / "spec.yaml").write_text(text)


def record(folder: Path) -> dict:
    return json.loads((folder / "out" / "data" / "distil-run.json").read_text())["report"]


def test_a_known_model_is_priced_without_a_pricing_block(tmp_path: Path) -> None:
    price = known_pricing("openai", "gpt-4o-mini")
    assert price is not None and price.input_per_million > 0
    with CountingServer() as server:
        setup(tmp_path, server.base_url, rows=4)
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = price.price(4 * 10, 4 * 5)
    assert abs(record(tmp_path)["cost"] - round(expected, 6)) < 1e-9


def test_an_unknown_model_without_pricing_has_an_unknown_cost_not_zero(tmp_path: Path) -> None:
    with CountingServer() as server:
        setup(tmp_path, server.base_url, rows=2, model="my-local-model")
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert record(tmp_path)["cost"] is None and "cost" not in result.stdout.split("tokens")[0]


def test_estimate_measures_the_first_rows_and_scales_to_the_input(tmp_path: Path) -> None:
    with CountingServer() as server:
        setup(tmp_path, server.base_url, rows=20)
        result = distil("run", "spec.yaml", "--estimate", "--estimate-rows", "4", cwd=tmp_path)
        asked = sum(server.counts.values())
    assert result.returncode == 0, result.stderr
    assert asked == 4  # only the measured rows were asked
    assert not (tmp_path / "out").exists()  # nothing written
    out = " ".join(result.stdout.split())
    assert "estimate for 20 rows (measured on 4)" in out
    assert "200" in out and "100" in out  # 20 rows x 10 input / 5 output tokens
    price = known_pricing("openai", "gpt-4o-mini")
    assert price is not None
    assert f"{price.price(200, 100) / 2:,.4f}" in out  # the Batch API column: half


def test_max_cost_stops_starting_rows_and_a_higher_budget_resumes(tmp_path: Path) -> None:
    """Each request costs 10 (10 input tokens at 1,000,000 per million): a budget of 35
    stops new rows after the 4th request; the rows in flight (one, concurrency 1) finish."""
    pricing = ", pricing: {input_per_million: 1000000, output_per_million: 0}"
    with CountingServer() as server:
        setup(tmp_path, server.base_url, rows=20, extra=pricing, run=", max_cost: 35")
        stopped = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        first = dict(server.counts)
        assert stopped.returncode == 1
        assert "budget" in stopped.stderr and "run.max_cost" in stopped.stderr
        assert "Traceback" not in stopped.stderr
        assert 4 <= sum(first.values()) <= 4 + 8  # at most one window past the budget
        server.counts.clear()
        again = distil(
            "run", "spec.yaml", "--no-progress", "--set", "run.max_cost=1000", cwd=tmp_path
        )
        assert again.returncode == 0, again.stderr
        assert not set(first) & set(server.counts)  # nothing paid twice
    assert len(json.loads((tmp_path / "out" / "data" / "distil-run.json").read_text())) > 0
