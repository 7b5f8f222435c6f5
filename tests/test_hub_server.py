"""The real `huggingface_hub` and `datasets` clients, end to end, against the local Hub.

`hub_server.HubServer` is a local stand-in speaking the Hugging Face Hub's real HTTP protocol,
used because the Hub cannot be reached from the test machines. These tests prove that the
unmodified client libraries work against it, both in-process (`patch_hub_endpoint`) and in
a subprocess configured only through environment variables (`hub_env`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import datasets
import datasets.config
import huggingface_hub.constants
import pytest
from hub_fixtures import hub, hub_env, hub_server, patch_hub_endpoint  # noqa: F401
from hub_server import LFS_THRESHOLD, HubServer
from huggingface_hub import HfApi, HfFileSystem, hf_hub_download
from huggingface_hub.errors import HfHubHTTPError

REPO = "tester/demo"


def test_hf_api_upload_list_download(hub: HubServer, tmp_path: Path) -> None:  # noqa: F811
    api = HfApi(endpoint=hub.url, token=hub.token)
    assert api.whoami()["name"] == hub.user
    url = api.create_repo(REPO, repo_type="dataset")
    assert url.repo_id == REPO and url.repo_type == "dataset"
    with pytest.raises(HfHubHTTPError) as conflict:
        api.create_repo(REPO, repo_type="dataset")
    assert conflict.value.response.status_code == 409
    assert api.create_repo(REPO, repo_type="dataset", exist_ok=True).repo_id == REPO

    api.upload_file(
        path_or_fileobj=b"hello\n",
        path_in_repo="notes/hello.txt",
        repo_id=REPO,
        repo_type="dataset",
    )
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "small.json").write_text('{"a": 1}')
    (folder / "sub" / "deep.txt").write_text("deep")
    big = os.urandom(LFS_THRESHOLD + 1)  # over the Hub's 10 MB limit for regular git files
    (folder / "big.txt").write_bytes(big)
    api.upload_folder(folder_path=folder, repo_id=REPO, repo_type="dataset")

    expected = [".gitattributes", "big.txt", "notes/hello.txt", "small.json", "sub/deep.txt"]
    assert sorted(api.list_repo_files(REPO, repo_type="dataset")) == expected
    assert hub.files(REPO) == expected
    assert hub.read(REPO, "sub/deep.txt") == b"deep"
    # the big file went through preupload -> LFS batch -> PUT -> verify, not the commit body
    assert hub.counts["lfs_batch"] == 1 and hub.counts["lfs_upload"] == 1
    assert hub.counts["lfs_verify"] == 1
    [info] = api.get_paths_info(REPO, ["big.txt"], repo_type="dataset")
    assert info.lfs is not None and info.lfs.size == len(big)

    small = hf_hub_download(REPO, "small.json", repo_type="dataset")  # module-level api
    assert json.loads(Path(small).read_text()) == {"a": 1}
    downloaded = api.hf_hub_download(REPO, "big.txt", repo_type="dataset")
    assert Path(downloaded).read_bytes() == big
    assert downloaded.startswith(huggingface_hub.constants.HF_HUB_CACHE)  # the temp HF_HOME

    assert api.file_exists(REPO, "notes/hello.txt", repo_type="dataset")
    assert not api.file_exists(REPO, "notes/missing.txt", repo_type="dataset")
    assert not api.file_exists("tester/no-such-repo", "x", repo_type="dataset")

    top = {e.path for e in api.list_repo_tree(REPO, repo_type="dataset")}
    assert top == {".gitattributes", "big.txt", "notes", "small.json", "sub"}
    assert [e.path for e in api.list_repo_tree(REPO, "sub", repo_type="dataset")] == [
        "sub/deep.txt"
    ]
    commits = api.list_repo_commits(REPO, repo_type="dataset")
    assert len(commits) == 3 and commits[0].commit_id == api.dataset_info(REPO).sha
    fs = HfFileSystem(endpoint=hub.url, token=hub.token)
    assert fs.read_block(f"datasets/{REPO}/big.txt", 100, 50) == big[100:150]  # Range GET


def test_wrong_token_is_rejected(hub: HubServer) -> None:  # noqa: F811
    HfApi(endpoint=hub.url, token=hub.token).create_repo(REPO, repo_type="dataset")
    bad = HfApi(endpoint=hub.url, token="hf_not_a_real_token")
    with pytest.raises(HfHubHTTPError) as whoami:
        bad.whoami()
    assert whoami.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError) as create:
        bad.create_repo("tester/other", repo_type="dataset")
    assert create.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError) as upload:
        bad.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=REPO, repo_type="dataset")
    assert upload.value.response.status_code == 401
    assert [r.repo_id for r in hub.repos.values()] == [REPO]
    assert hub.files(REPO) == [".gitattributes"]


def test_datasets_push_to_hub_then_load_dataset(hub: HubServer) -> None:  # noqa: F811
    rows = {"prompt": ["a", "b", "c"], "score": [1, 2, 3]}
    datasets.Dataset.from_dict(rows).push_to_hub(REPO, token=hub.token)
    files = hub.files(REPO)
    assert "README.md" in files and "data/train-00000-of-00001.parquet" in files
    assert hub.counts["lfs_upload"] == 1  # the parquet shard went through LFS
    assert "dataset_info:" in hub.read(REPO, "README.md").decode()

    loaded = datasets.load_dataset(REPO, split="train")
    assert loaded.to_dict() == rows

    newer = {"prompt": ["d"], "score": [4]}  # a second push replaces the split
    datasets.Dataset.from_dict(newer).push_to_hub(REPO, token=hub.token)
    assert datasets.load_dataset(REPO, split="train").to_dict() == newer


def test_subprocess_configured_by_env_only(hub_server: HubServer, tmp_path: Path) -> None:  # noqa: F811
    script = """
import datasets
datasets.Dataset.from_dict({"q": ["x", "y"], "n": [1, 2]}).push_to_hub("tester/sub")
print(datasets.load_dataset("tester/sub", split="train").to_dict())
"""
    env = {**os.environ, **hub_env(hub_server, tmp_path / "hf-home")}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "{'q': ['x', 'y'], 'n': [1, 2]}"
    assert "data/train-00000-of-00001.parquet" in hub_server.files("tester/sub")
    assert (tmp_path / "hf-home" / "hub").is_dir()  # caches went to the temp HF_HOME


def test_patch_is_restored(hub_server: HubServer, tmp_path: Path) -> None:  # noqa: F811
    before = (huggingface_hub.constants.ENDPOINT, huggingface_hub.constants.HF_HUB_OFFLINE)
    before_ds = (datasets.config.HF_ENDPOINT, datasets.config.HF_DATASETS_CACHE)
    with pytest.MonkeyPatch.context() as mp:
        patch_hub_endpoint(mp, hub_server, tmp_path)
        assert hub_server.url == huggingface_hub.constants.ENDPOINT
        assert hub_server.url == datasets.config.HF_ENDPOINT
        assert not huggingface_hub.constants.HF_HUB_OFFLINE and not datasets.config.HF_HUB_OFFLINE
    assert before == (huggingface_hub.constants.ENDPOINT, huggingface_hub.constants.HF_HUB_OFFLINE)
    assert before_ds == (datasets.config.HF_ENDPOINT, datasets.config.HF_DATASETS_CACHE)


def test_unknown_route_is_reported(hub_server: HubServer) -> None:  # noqa: F811
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{hub_server.url}/api/not-a-route")
    assert missing.value.code == 404 and "Unknown route" in json.load(missing.value)["error"]
    assert hub_server.unknown_routes == ["GET /api/not-a-route"]
    assert hub_server.counts["unknown"] == 1
    hub_server.unknown_routes.clear()  # expected here; the fixture fails tests that leave any
