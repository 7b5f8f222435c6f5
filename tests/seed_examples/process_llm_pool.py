# ruff: noqa: E402, E501, F811, SIM222
"""0.6 guide, "Running several generators in parallel", as one script with no
`if __name__ == "__main__":` guard, as the guide writes it. Adapted: each `load_*` returns
`embedded(...)` (the embedded model) where the guide builds `vLLM(model=LLM(...))` on a GPU,
and `load_gpt_4` returns `local(OpenAILLM(...))`. The Hub and Argilla are the local ones.
"""

from distilabel_cli.llms import LLM, ProcessLLM
from distilabel_cli.tasks import Task, TextGenerationTask


def load_notus(task: Task) -> LLM:  # (1)
    import os

    from seed_local import embedded

    os.environ["CUDA_VISIBLE_DEVICES"] = "0"  # (2)

    return embedded(
        task=task,
        max_new_tokens=512,
        temperature=0.7,
        prompt_format="notus",
    )


llm = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_notus)

from distilabel_cli.llms import LLM, ProcessLLM
from distilabel_cli.tasks import Task, TextGenerationTask


def load_notus(task: Task) -> LLM:
    import os

    from seed_local import embedded

    os.environ["CUDA_VISIBLE_DEVICES"] = "0"

    return embedded(
        task=task,
        max_new_tokens=512,
        temperature=0.7,
        prompt_format="notus",
    )


def load_zephyr(task: Task) -> LLM:
    import os

    from seed_local import embedded

    os.environ["CUDA_VISIBLE_DEVICES"] = "1"

    return embedded(
        task=task,
        max_new_tokens=512,
        temperature=0.7,
        prompt_format="notus",
    )


def load_starling(task: Task) -> LLM:
    import os

    from seed_local import embedded

    os.environ["CUDA_VISIBLE_DEVICES"] = "2"

    return embedded(
        task=task,
        max_new_tokens=512,
        temperature=0.7,
        prompt_format="notus",
    )


def load_neural_chat(task: Task) -> LLM:
    import os

    from seed_local import embedded

    os.environ["CUDA_VISIBLE_DEVICES"] = "3"

    return embedded(
        task=task,
        max_new_tokens=512,
        temperature=0.7,
        prompt_format="notus",
    )


notus = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_notus)
zephyr = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_zephyr)
starling = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_starling)
neural_chat = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_neural_chat)

from distilabel_cli.llms import LLMPool

pool = LLMPool(llms=[notus, zephyr, starling, neural_chat])

from distilabel_cli.llms import LLM, ProcessLLM
from distilabel_cli.pipeline import Pipeline
from distilabel_cli.tasks import UltraFeedbackTask


def load_gpt_4(task: UltraFeedbackTask) -> LLM:
    from seed_local import local

    from distilabel_cli.llms import OpenAILLM

    return local(
        OpenAILLM(
            model="gpt-4-1106-preview",
            task=task,
            max_new_tokens=512,
            num_threads=4,
        )
    )


pipeline = Pipeline(
    generator=pool,
    labeller=ProcessLLM(task=UltraFeedbackTask(), load_llm_fn=load_gpt_4),  # (1)
)

from datasets import load_dataset

dataset = (
    load_dataset("HuggingFaceH4/instruction-dataset", split="test[:50]")
    .remove_columns(["completion", "meta"])
    .rename_column("prompt", "input")
)

dataset = pipeline.generate(
    dataset=dataset,
    num_generations=2,
    batch_size=5,
    display_progress_bar=True,
)

dataset.to_argilla().push_to_argilla(name="preference-dataset", workspace="admin")

from seed_local import report

report(
    rows=dataset.num_rows,
    models=dataset["generation_model"],
    ratings=dataset["rating"],
    pids=[m.pid for m in pool.llms],
)
