"""Start a `ProcessLLM` child: a fresh interpreter that never re-runs the user's script.

`multiprocessing`'s spawn (and forkserver) start methods re-import the parent's main script
in the child, so a script without `if __name__ == "__main__":` runs again there and fails,
and code from stdin, `python -c` or a notebook cannot be found at all. Fork avoids both but
is unsafe once the parent has threads or CUDA (as a distil run does). So the child is a new
interpreter (`python -c`, like spawn: safe with threads and GPUs) that imports only
distil's child module. `load_llm_fn` reaches it pickled by reference when it is importable
(a module's top-level function), or by value (with `dill`) when it was defined in the main
script, stdin, `-c` or a notebook: nothing there is run a second time.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

from distilabel_cli.errors import DistilError

#: Where `distilabel_cli` is imported from (the child finds it there too, installed or not).
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
#: What the child interpreter runs; its arguments are the two pipe fds and the label.
#: Ctrl-C is the parent's (it stops the child): ignored from the child's first line on.
CHILD_ENTRY = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    f"sys.path.append({PACKAGE_ROOT!r}); "
    "from distilabel_cli.llms.process_child import main; main()"
)
PIN_VARIABLE = "CUDA_VISIBLE_DEVICES"


def defined_in_main(fn: Any) -> bool:
    """Whether `fn` (or the function of a `functools.partial`) lives in `__main__`."""
    target = getattr(fn, "func", fn)
    return getattr(target, "__module__", None) == "__main__"


def dump_load_fn(fn: Any, task: Any, label: str) -> tuple[str, bytes]:
    """`(kind, payload)`: `(load_llm_fn, task)` pickled for the child ("pickle" or "dill")."""
    if defined_in_main(fn):
        import dill

        try:
            return "dill", dill.dumps((fn, task), recurse=True)
        except Exception as exc:  # noqa: BLE001 - pickling raises many types
            raise DistilError(
                f"{label}: load_llm_fn could not be sent to its child process "
                f"({type(exc).__name__}: {exc}); make it a top-level `def` that creates "
                "everything it uses (models, clients, locks) inside its body"
            ) from None
    try:
        return "pickle", pickle.dumps((fn, task))
    except Exception as exc:  # noqa: BLE001 - pickling raises many types
        raise DistilError(
            f"{label}: load_llm_fn must be picklable (a top-level function): {exc}; define it "
            "with `def` at the top level of your script or module, not as a lambda, a nested "
            "function or a method"
        ) from None


def load_payload(kind: str, payload: bytes) -> Any:
    """The child side of `dump_load_fn`."""
    if kind == "dill":
        import dill

        return dill.loads(payload)
    return pickle.loads(payload)


class ChildHandle:
    """A started child interpreter: pid, exit code, a waitable sentinel, stop signals."""

    def __init__(self, requests_fd: int, responses_fd: int, gpus: str | None, label: str):
        from multiprocessing.spawn import get_executable

        env = dict(os.environ)
        if gpus is not None:  # in the environment the child's interpreter starts with
            env[PIN_VARIABLE] = gpus
        self._popen = subprocess.Popen(
            [get_executable(), "-c", CHILD_ENTRY, str(requests_fd), str(responses_fd), label],
            pass_fds=(requests_fd, responses_fd),
            stdin=subprocess.DEVNULL,
            env=env,
        )
        self.pid: int = self._popen.pid
        #: Readable once the child has exited (a pidfd), or None where there is none.
        self.sentinel: int | None = None
        with suppress(AttributeError, OSError):  # Linux >= 5.3 only
            self.sentinel = os.pidfd_open(self.pid)

    @property
    def exitcode(self) -> int | None:
        """None while running; negative for a signal, as `multiprocessing` reports it."""
        return self._popen.poll()

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        with suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout)

    def terminate(self) -> None:
        with suppress(ProcessLookupError):
            self._popen.terminate()

    def kill(self) -> None:
        with suppress(ProcessLookupError):
            self._popen.kill()

    def close(self) -> None:
        """Release the sentinel (the child must have been joined)."""
        if self.sentinel is not None:
            with suppress(OSError):
                os.close(self.sentinel)
            self.sentinel = None


def child_sys_path() -> list[str]:
    """The parent's import path, for functions pickled by reference."""
    return list(sys.path)
