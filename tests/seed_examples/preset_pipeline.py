# ruff: noqa: E402, E501, SIM222
"""0.6 guide, "pipeline". Adapted: `local(...)` for the generator, `pipe.labeller =
local(pipe.labeller)` for the default OpenAI labeller, and `token` (which the guide never
defines) read from HF_TOKEN. The Hub is the local stand-in.
"""

import os

from seed_local import local, report

from distilabel_cli.llms import InferenceEndpointsLLM
from distilabel_cli.pipeline import pipeline
from distilabel_cli.tasks import TextGenerationTask

endpoint_name = "aws-notus-7b-v1-4052"
endpoint_namespace = "argilla"
token = os.getenv("HF_TOKEN")

pipe = pipeline(
    "preference",
    "text-quality",
    generator=local(
        InferenceEndpointsLLM(
            endpoint_name_or_model_id=endpoint_name,
            endpoint_namespace=endpoint_namespace,
            token=token,
            task=TextGenerationTask(),
            max_new_tokens=512,
            do_sample=True,
            prompt_format="notus",
        )
    ),
    max_new_tokens=256,
    num_threads=2,
    api_key=os.getenv("OPENAI_API_KEY", None),
    temperature=0.0,
)
report(
    step="built",
    labeller=[pipe.labeller.model, pipe.labeller.task.aspect, pipe.labeller.temperature],
    concurrency=pipe.labeller.concurrency,
)
pipe.labeller = local(pipe.labeller)

from datasets import load_dataset

instruction_dataset = (
    load_dataset("HuggingFaceH4/instruction-dataset", split="test[:3]")
    .remove_columns(["completion", "meta"])
    .rename_column("prompt", "input")
)

pipe_dataset = pipe.generate(
    instruction_dataset,
    num_generations=2,
    batch_size=1,
    checkpoint_strategy=True,
    display_progress_bar=True,
)

print(pipe_dataset["input"][-1])
print(pipe_dataset["generations"][-1][-1])
print(pipe_dataset["rating"][-1][-1])
print(pipe_dataset["rationale"][-1][-1])

report(step="generated", rows=pipe_dataset.num_rows, rating=pipe_dataset["rating"][-1])
