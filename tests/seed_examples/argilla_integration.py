# ruff: noqa: E402, E501, SIM222
"""0.6 guide, "Argilla integration", on a dataset labelled here (the guide's `pipe_dataset`
comes from its `pipeline` example). Adapted to Argilla 2.x: `rg.init` and the 1.x
`argilla.client.feedback.integrations` extractors do not exist there, so the server comes
from ARGILLA_API_URL / ARGILLA_API_KEY and the two custom-extractor calls are left out
(distil's `vector_strategy` takes a local sentence-transformers folder or an object with
`encode`, its `metric_strategy` an object with `metrics` and `compute`).
"""

from datasets import Dataset
from seed_local import local, report

from distilabel_cli.llms import OpenAILLM
from distilabel_cli.pipeline import Pipeline
from distilabel_cli.tasks import UltraFeedbackTask

labeller = local(OpenAILLM(model="gpt-4", task=UltraFeedbackTask.for_text_quality()))
pipe_dataset = Pipeline(labeller=labeller).generate(
    Dataset.from_dict(
        {
            "input": ["Name a primary colour.", "What is 2 + 2?"],
            "generations": [["Red.", "Green, I think."], ["4", "5"]],
        }
    )
)

# with default `vector_strategy` and `metric_strategy`
rg_dataset = pipe_dataset.to_argilla()
rg_dataset.push_to_argilla(name="preference-dataset", workspace="admin")

# without `vector_strategy` and `metric_strategy`
rg_dataset = pipe_dataset.to_argilla(metric_strategy=None, vector_strategy=None)

report(records=len(pipe_dataset))
