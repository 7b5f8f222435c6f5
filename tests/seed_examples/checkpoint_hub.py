# ruff: noqa: E402, E501, SIM222
"""0.6 guide, "Dataset checkpoints" (hf-hub strategy), to the local Hub stand-in. The
guide's `pipe` and `dataset`: its generator pipeline (with `local(...)`) and three inputs.
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
dataset = Dataset.from_dict({"input": [f"Name a fact about the number {i}." for i in range(3)]})

from distilabel_cli.dataset import DatasetCheckpoint

dataset_checkpoint = DatasetCheckpoint(
    strategy="hf-hub", save_frequency=1, extra_kwargs={"repo_id": "username/dataset-name"}
)

new_ds = pipe.generate(
    dataset=dataset,
    num_generations=1,
    checkpoint_strategy=dataset_checkpoint,
)

report(rows=new_ds.num_rows, generations=new_ds["generations"])
