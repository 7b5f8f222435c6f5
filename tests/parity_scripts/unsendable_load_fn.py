"""A main-script `load_llm_fn` that uses a module-level object dill cannot pickle."""

from distilabel_cli import ProcessLLM, TextGenerationTask
from distilabel_cli.errors import DistilError

NUMBERS = (n for n in range(3))  # a generator cannot be pickled


def load(task):
    from distilabel_cli import LlamaCppLLM

    return LlamaCppLLM(task=task, seed=next(NUMBERS))


try:
    ProcessLLM(task=TextGenerationTask(), load_llm_fn=load).start()
except DistilError as error:
    print(error.message)
