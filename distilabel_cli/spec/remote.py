"""Specs on the Hugging Face Hub: `hf://datasets/OWNER/NAME/PATH.yaml[@REVISION]`.

A dataset pushed by distil carries its spec as `spec.yaml`; `distil run` takes that reference
as it takes a local file: the file is downloaded (huggingface_hub's cache, token from
`hf auth login` or HF_TOKEN) and loaded from there.
"""

from __future__ import annotations

import re
from pathlib import Path

from distilabel_cli.errors import DistilError

#: `hf://datasets/OWNER/NAME/path/in/repo.yaml`, optionally `@revision` after NAME or the path.
_HF_SPEC = re.compile(
    r"^hf:/{1,2}(?P<kind>datasets|spaces|models)/(?P<repo>[^/@]+/[^/@]+)(?:@(?P<rev>[^/]+))?"
    r"/(?P<file>.+?)(?:@(?P<rev2>[^/]+))?$"
)
_REPO_TYPES = {"datasets": "dataset", "spaces": "space", "models": "model"}


def is_hub_spec(text: str) -> bool:
    return text.startswith("hf:/")


def download_hub_spec(text: str) -> Path:
    """The local copy of a spec named by an `hf://` reference."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, RepositoryNotFoundError

    from distilabel_cli.dataset.io.hub import hub_token

    match = _HF_SPEC.match(text)
    if match is None:
        raise DistilError(
            f"{text}: expected hf://datasets/OWNER/NAME/FILE.yaml (optionally @REVISION)"
        )
    repo, file = match.group("repo"), match.group("file")
    try:
        local = hf_hub_download(
            repo,
            file,
            repo_type=_REPO_TYPES[match.group("kind")],
            revision=match.group("rev") or match.group("rev2"),
            token=hub_token(),
        )
    except (EntryNotFoundError, RepositoryNotFoundError):
        raise DistilError(f"{text}: no such file on the Hub ({file} in {repo})") from None
    except (HfHubHTTPError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DistilError(f"{text}: cannot download it from the Hub: {reason}") from None
    return Path(local)
