# ruff: noqa: E402, E501, SIM222
"""0.6 guide, "Dataset checkpoints" (disk). The guide's `pipe` and `dataset` are any
pipeline and dataset: here its generator pipeline (with `local(...)`) and ten inputs.
"""

from datasets import Dataset
from seed_local import local, report

from distilabel_cli.llms import InferenceEndpointsLLM
from distilabel_cli.pipeline import Pipeline
from distilabel_cli.tasks import TextGenerationTask

pipe = Pipeline(
    generator=local(
        InferenceEndpointsLLM(
            endpoint_name_or_model_id="aws-notus-7b-v1-4052",
            endpoint_namespace="argilla",
            task=TextGenerationTask(),
            max_new_tokens=512,
            do_sample=True,
            prompt_format="notus",
        )
    ),
)
dataset = Dataset.from_dict({"input": [f"Name a fact about the number {i}." for i in range(10)]})

from pathlib import Path

from distilabel_cli.dataset import DatasetCheckpoint

# Assuming we want to save the dataset every 10% of the records generated.

freq = len(dataset) // 10
dataset_checkpoint = DatasetCheckpoint(path=Path.cwd() / "checkpoint_folder", save_frequency=freq)

new_ds = pipe.generate(
    dataset=dataset,
    num_generations=1,
    checkpoint_strategy=dataset_checkpoint,
)
report(step="generated", rows=new_ds.num_rows)

from distilabel_cli.dataset import CustomDataset

new_ds = CustomDataset.load_from_disk(dataset_checkpoint.path)

report(
    step="reloaded",
    rows=new_ds.num_rows,
    columns=new_ds.column_names,
    task=type(new_ds.task).__name__,
    generations=new_ds["generations"],
)
