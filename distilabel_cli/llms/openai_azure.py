"""azure-openai backend: Azure OpenAI deployments, through the official `openai` SDK."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pydantic import SecretStr

from distilabel_cli.errors import DistilError
from distilabel_cli.llms.openai import OpenAICompatibleLLM
from distilabel_cli.llms.options import option

#: Used when neither `api_version` nor OPENAI_API_VERSION is set (a GA version that takes
#: `max_completion_tokens` and structured outputs).
DEFAULT_API_VERSION = "2024-10-21"


@dataclass(kw_only=True)
class AzureOpenAILLM(OpenAICompatibleLLM):
    """An Azure OpenAI deployment: `{endpoint}/openai/deployments/{deployment}/...?api-version=`.

    Authenticates with an API key (`api-key` header) or a Microsoft Entra ID token (bearer).
    Requests go through `AsyncAzureOpenAI` (`llms/openai_sdk.py`) with `max_retries=0`, so
    distil's retries, rate limits and header pacing apply as for `openai`.
    """

    endpoint: str | None = option(
        None, description="https://RESOURCE.openai.azure.com; default: env AZURE_OPENAI_ENDPOINT."
    )
    deployment: str | None = option(None, description="Deployment name (default: `model`).")
    api_version: str | None = option(
        None, description=f"Default: env OPENAI_API_VERSION, else {DEFAULT_API_VERSION}."
    )
    api_key: str | None = option(
        None, yaml=SecretStr | None, description="Default: env AZURE_OPENAI_API_KEY."
    )
    azure_ad_token: str | None = option(
        None,
        yaml=SecretStr | None,
        description="Entra ID bearer token, instead of a key; default: env AZURE_OPENAI_AD_TOKEN.",
    )

    def __post_init__(self) -> None:
        self.endpoint = self.endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT")
        if not self.endpoint:
            raise DistilError(
                f"azure-openai model {self.model!r}: no endpoint; set llm.endpoint or "
                "AZURE_OPENAI_ENDPOINT (https://RESOURCE.openai.azure.com)"
            )
        self.deployment = self.deployment or self.model
        self.api_version = (
            self.api_version or os.environ.get("OPENAI_API_VERSION") or DEFAULT_API_VERSION
        )
        self.api_key = self.api_key or os.environ.get("AZURE_OPENAI_API_KEY")
        self.azure_ad_token = self.azure_ad_token or os.environ.get("AZURE_OPENAI_AD_TOKEN")
        if not self.api_key and not self.azure_ad_token:
            raise DistilError(
                f"azure-openai model {self.model!r}: no credentials; set AZURE_OPENAI_API_KEY "
                "or AZURE_OPENAI_AD_TOKEN (or llm.api_key / llm.azure_ad_token)"
            )
        self._use_sdk = True
        super().__post_init__()
