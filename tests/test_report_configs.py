"""`distil report` on the output shape of every shipped config: each config's tasks run on its
first input rows with scripted LLMs (two models answer, judges answer JSON that fits their
schema), saved as `distil run` saves, then reported."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import REPO

from distilabel_cli import Pipeline
from distilabel_cli.dataset.io.inputs import load_input
from distilabel_cli.dataset.io.outputs import run_record
from distilabel_cli.llms.base import Completion
from distilabel_cli.llms.scripted import Request, ScriptedLLM
from distilabel_cli.pipeline.build_task import build_task
from distilabel_cli.pipeline.stage import Stage
from distilabel_cli.report import write_report
from distilabel_cli.spec.loader import load_spec


def example_json(schema: dict[str, Any], seq: int) -> Any:
    """A value that fits `schema` (the tasks' schemas: objects, arrays, enums, strings)."""
    if "enum" in schema:
        return schema["enum"][seq % len(schema["enum"])]
    if "anyOf" in schema:
        return example_json(schema["anyOf"][0], seq)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {key: example_json(sub, seq + k) for k, (key, sub) in enumerate(props.items())}
    if kind == "array":
        count = schema.get("minItems", 2)
        return [example_json(schema.get("items", {}), seq + 2 * k) for k in range(count)]
    if kind == "integer":
        return 1 + seq % 5
    if kind == "number":
        return 1.5 + seq % 4
    if kind == "boolean":
        return seq % 2 == 0
    text = f"Because answer {seq} <is> clear & short."
    return text[: schema.get("maxLength", len(text))]


def scripted_generator(request: Request) -> Completion:
    """Two models' answers: numbered instructions (what instruction tasks parse), or JSON."""
    model = ("gen-a", "gen-b")[request.index % 2]
    if request.json_schema is not None:
        return Completion(json.dumps(example_json(request.json_schema, request.seq)), model=model)
    lines = [f"{k}. Explain topic {request.seq}-{k} in {k + 2} steps?" for k in range(1, 4)]
    return Completion("\n".join(lines[: 1 + (request.seq + request.index) % 3]), model=model)


def scripted_judge(request: Request) -> str:
    if request.json_schema is not None:
        return json.dumps(example_json(request.json_schema, request.seq + request.index))
    return "8 6\nThe first answer is better."


SHIPPED = sorted(p.stem for p in (REPO / "configs").glob("*.yaml"))
#: config -> the report sections its output must show (beyond the run summary).
SECTIONS = {
    "critique": {"ratings"},
    "custom": {"ratings", "lengths"},
    "evol-complexity": {"lengths"},
    "evol-instruct-1-evolve": {"ratings", "lengths"},
    "evol-instruct-2-answers": {"ratings", "wins", "lengths"},
    "evol-quality": {"ratings", "lengths"},
    "gpu-pool": {"ratings", "wins", "lengths"},
    "openai-server": {"ratings", "wins", "lengths"},
    "preference-preset": {"ratings", "wins", "lengths"},
    "prometheus": {"ratings", "lengths"},
    "prometheus-relative": {"ratings", "wins", "lengths"},
    "quickstart": {"ratings", "wins", "lengths"},
    "self-instruct-1-instructions": {"lengths"},
    "self-instruct-2-answers": {"ratings", "wins", "lengths"},
}


def test_every_shipped_config_is_covered() -> None:
    assert sorted(SECTIONS) == SHIPPED


def run_shipped_shape(name: str, out: Path) -> Path:
    """The output of configs/NAME.yaml on its first rows, with scripted LLMs in place of its
    models (a chain's second step reads the first step's output), saved as `distil run` does."""
    spec, _ = load_spec(REPO / "configs" / f"{name}.yaml")
    spec_dir = REPO / "configs"
    path = spec.input.path  # relative to the repository, or a chain's earlier output
    path = out / Path(path).name if path.startswith("./outputs/") else REPO / path
    input_spec = spec.input.model_copy(update={"path": str(path)})
    rows = load_input(input_spec, spec_dir)
    rows = rows.select(range(min(4, len(rows))))
    stages = {
        role: Stage(build_task(stage.task, spec_dir), ScriptedLLM(answer=answer, structured=True))
        for role, stage, answer in (
            ("generator", spec.generator, scripted_generator),
            ("labeller", spec.labeller, scripted_judge),
        )
        if stage is not None
    }
    pipeline = Pipeline(**stages)
    dataset = pipeline.generate(rows, num_generations=spec.run.num_generations)
    dataset.run_info = run_record(spec, pipeline.last_report)
    target = out / Path(spec.output.path).name
    dataset.save_to_disk(target)
    return target


def test_reports_build_for_the_output_of_every_shipped_config(tmp_path: Path) -> None:
    for name in SHIPPED:
        folder = run_shipped_shape(name, tmp_path)
        page = write_report(folder)
        html = page.read_text(encoding="utf-8")
        sections = set(re.findall(r'<section id="(\w+)">', html))
        assert sections - {"failures", "problems"} >= {"summary", *SECTIONS[name]}, name
        charts = set(re.findall(r'<svg class="chart" data-chart="(\w+)"', html))
        assert charts == SECTIONS[name] & {"ratings", "wins", "lengths"}, name
        if "ratings" in SECTIONS[name]:
            assert 'id="best"' in html, name
