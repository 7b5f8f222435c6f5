# ruff: noqa: E402, E501, SIM222
"""0.6 guide, "Generator". Adapted: `local(...)` (the embedded model for the endpoint)."""

import os

from seed_local import local, report

from distilabel_cli.llms import InferenceEndpointsLLM
from distilabel_cli.pipeline import Pipeline
from distilabel_cli.tasks import TextGenerationTask

endpoint_name = "aws-notus-7b-v1-4052" or os.getenv("HF_INFERENCE_ENDPOINT_NAME")
endpoint_namespace = "argilla" or os.getenv("HF_NAMESPACE")

pipe_generation = Pipeline(
    generator=local(
        InferenceEndpointsLLM(
            endpoint_name_or_model_id=endpoint_name,  # The name given of the deployed model
            endpoint_namespace=endpoint_namespace,  # This usually corresponds to the organization
            token=os.getenv("HF_TOKEN"),  # hf_...
            task=TextGenerationTask(),
            max_new_tokens=512,
            do_sample=True,
            prompt_format="notus",
        )
    ),
)

from datasets import Dataset

dataset = Dataset.from_dict({"input": ["Create an easy dinner recipe with few ingredients"]})
dataset_generated = pipe_generation.generate(dataset, num_generations=2)

print(dataset_generated)
print(dataset_generated[0]["generations"][0])

report(
    columns=dataset_generated.column_names,
    rows=dataset_generated.num_rows,
    prompt_format=pipe_generation.generator.prompt_format,
    generations=dataset_generated[0]["generations"],
)
