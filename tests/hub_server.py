"""A local stand-in for the Hugging Face Hub that speaks the Hub's real HTTP protocol.

The Hub cannot be reached from the test machines, so tests point the *real* `huggingface_hub`
and `datasets` client libraries (through `HF_ENDPOINT`, see `hub_fixtures.py`) at this
server instead. It implements the part of the Hub API those clients use, as read from their
sources: whoami, repo create/delete/info, `validate-yaml`, `preupload`, the ndjson `commit`
endpoint, the git-LFS batch API (plus the upload PUT and the verify call it hands out),
`resolve` downloads (HEAD/GET with the Hub's ETag / X-Repo-Commit / X-Linked-* headers and
byte ranges), `tree`, `paths-info`, `refs`, `commits` and branch creation.

Repos are git-like: immutable commits (path -> blob) addressed by 40-hex ids, refs such as
`main` pointing at them, and file contents stored content-addressed (sha256) in a temp
folder. Every request is counted per route (`HubServer.counts`); a route the server does not
know is logged loudly with its method and path, recorded in `HubServer.unknown_routes` and
answered with a 404 JSON error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

log = logging.getLogger(__name__)

LFS_THRESHOLD = 10 * 1024 * 1024  # the Hub stores files >= 10 MB through LFS
# Suffixes tracked by LFS in the Hub's default .gitattributes (subset); parquet MUST be LFS:
# `datasets` deletes its temporary parquet right after preupload, before the commit is sent.
LFS_SUFFIXES = (
    ".7z", ".arrow", ".bin", ".bz2", ".ckpt", ".ftz", ".gz", ".h5", ".joblib", ".lz4",
    ".model", ".msgpack", ".npy", ".npz", ".onnx", ".ot", ".parquet", ".pb", ".pickle",
    ".pkl", ".pt", ".pth", ".rar", ".safetensors", ".tar", ".tflite", ".tgz", ".wasm",
    ".xz", ".zip", ".zst",
)  # fmt: skip
GITATTRIBUTES = "".join(f"*{s} filter=lfs diff=lfs merge=lfs -text\n" for s in LFS_SUFFIXES)
PREFIXES = {"dataset": "datasets/", "space": "spaces/", "model": ""}
API_TYPES = {"datasets": "dataset", "spaces": "space", "models": "model"}
URL_TYPES = {"datasets/": "dataset", "spaces/": "space", "": "model"}
INVALID_TOKEN = "Invalid credentials in Authorization header"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _git_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _lfs_pointer(sha256: str, size: int) -> bytes:
    spec = "version https://git-lfs.github.com/spec/v1"
    return f"{spec}\noid sha256:{sha256}\nsize {size}\n".encode()


@dataclass(frozen=True)
class Blob:
    """One file version; its content lives in the object store under `sha256`."""

    sha256: str
    size: int
    lfs: bool
    git_oid: str  # for LFS files git stores (and the Hub reports) the pointer file's oid

    @classmethod
    def regular(cls, sha256: str, data: bytes) -> Blob:
        return cls(sha256, len(data), False, _git_oid(data))

    @classmethod
    def lfs_file(cls, sha256: str, size: int) -> Blob:
        return cls(sha256, size, True, _git_oid(_lfs_pointer(sha256, size)))

    def entry(self, path: str) -> dict[str, Any]:
        info: dict[str, Any] = {"type": "file", "path": path, "oid": self.git_oid}
        info["size"] = self.size
        if self.lfs:
            pointer_size = len(_lfs_pointer(self.sha256, self.size))
            info["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": pointer_size}
        return info


@dataclass
class Commit:
    oid: str
    title: str
    message: str
    author: str
    date: str
    parent: str | None
    files: dict[str, Blob]


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    created_at: str
    commits: dict[str, Commit] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # branch name -> commit oid
    lfs_objects: set[str] = field(default_factory=set)  # sha256 uploaded into this repo

    def resolve(self, revision: str) -> Commit | None:
        oid = self.refs.get(revision, revision)
        return self.commits.get(oid)


class HubError(Exception):
    """An HTTP error as the Hub sends it: status, X-Error-Code, X-Error-Message, JSON body."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.headers = headers or {}


def _not_found(kind: str, message: str) -> HubError:
    return HubError(404, message, kind)


class HubServer:
    """Threaded local Hub. Use as a context manager or call `start()` / `close()`."""

    def __init__(
        self,
        root: Path,
        token: str = "hf_local_test_token",
        user: str = "tester",
        orgs: tuple[str, ...] = ("test-org",),
        lfs_threshold: int = LFS_THRESHOLD,
    ) -> None:
        self.root = Path(root)
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        self.tokens = {token: user}
        self.token, self.user, self.orgs = token, user, orgs
        self.lfs_threshold = lfs_threshold
        self.repos: dict[tuple[str, str], Repo] = {}
        self.counts: Counter[str] = Counter()
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.unknown_routes: list[str] = []
        self._uploads: dict[str, tuple[tuple[str, str], str, int]] = {}  # ticket -> repo, oid, size
        self._lock = threading.RLock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> HubServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers for tests -------------------------------------------------------------------
    def files(self, repo_id: str, repo_type: str = "dataset", revision: str = "main") -> list[str]:
        return sorted(self._commit(self._repo(repo_type, repo_id, admin=True), revision).files)

    def read(
        self, repo_id: str, path: str, repo_type: str = "dataset", revision: str = "main"
    ) -> bytes:
        blob = self._commit(self._repo(repo_type, repo_id, admin=True), revision).files.get(path)
        if blob is None:
            raise KeyError(path)
        return self._object(blob.sha256).read_bytes()

    def commits(
        self, repo_id: str, repo_type: str = "dataset", revision: str = "main"
    ) -> list[Commit]:
        """Commits reachable from `revision`, newest first."""
        repo = self._repo(repo_type, repo_id, admin=True)
        out: list[Commit] = []
        commit: Commit | None = self._commit(repo, revision)
        while commit is not None:
            out.append(commit)
            commit = repo.commits.get(commit.parent or "")
        return out

    # -- storage -----------------------------------------------------------------------------
    def _object(self, sha256: str) -> Path:
        return self.root / "objects" / sha256

    def _store(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self._object(sha)
        if not path.exists():
            tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return sha

    def _repo(
        self, repo_type: str, repo_id: str, user: str | None = None, admin: bool = False
    ) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not admin and not self._can_write(user, repo_id)):
            raise _not_found("RepoNotFound", f"Repository not found: {repo_id}")
        return repo

    @staticmethod
    def _commit(repo: Repo, revision: str) -> Commit:
        commit = repo.resolve(revision)
        if commit is None:
            raise _not_found("RevisionNotFound", f"Invalid rev id: {revision}")
        return commit

    def _can_write(self, user: str | None, repo_id: str) -> bool:
        return user is not None and repo_id.split("/")[0] in (user, *self.orgs)

    def _new_commit(
        self,
        repo: Repo,
        branch: str,
        parent: Commit | None,
        files: dict[str, Blob],
        title: str,
        message: str,
        author: str,
    ) -> Commit:
        seed = f"{repo.repo_id}{parent.oid if parent else ''}{title}{_now()}{secrets.token_hex(8)}"
        commit = Commit(
            oid=hashlib.sha1(seed.encode()).hexdigest(),
            title=title,
            message=message,
            author=author,
            date=_now(),
            parent=parent.oid if parent else None,
            files=files,
        )
        repo.commits[commit.oid] = commit
        repo.refs[branch] = commit.oid
        return commit

    def _blob(self, data: bytes, lfs: bool = False) -> Blob:
        sha = self._store(data)
        return Blob.lfs_file(sha, len(data)) if lfs else Blob.regular(sha, data)

    def _is_lfs(self, path: str, size: int, sample: bytes) -> bool:
        return path.endswith(LFS_SUFFIXES) or size >= self.lfs_threshold or b"\0" in sample

    def repo_url(self, repo: Repo) -> str:
        return f"{self.url}/{PREFIXES[repo.repo_type]}{repo.repo_id}"

    # -- route handlers ------------------------------------------------------------------------
    def whoami(self, user: str | None) -> dict[str, Any]:
        if user is None:
            raise HubError(401, INVALID_TOKEN)
        orgs = [{"type": "org", "name": org, "roleInOrg": "admin"} for org in self.orgs]
        token = {"displayName": "local-test", "role": "write"}
        return {
            "type": "user",
            "name": user,
            "fullname": user,
            "orgs": orgs,
            "auth": {"type": "access_token", "accessToken": token},
        }

    def create_repo(self, user: str | None, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if user is None:
            raise HubError(401, INVALID_TOKEN)
        repo_type = body.get("type") or "model"
        repo_id = f"{body.get('organization') or user}/{body['name']}"
        if not self._can_write(user, repo_id):
            raise HubError(403, f"You don't have the rights to create a repo under {repo_id}")
        private = body.get("visibility") == "private" or bool(body.get("private"))
        with self._lock:
            if (repo_type, repo_id) in self.repos:
                repo = self.repos[(repo_type, repo_id)]
                return 409, {"error": "You already created this repo", "url": self.repo_url(repo)}
            repo = Repo(repo_type, repo_id, private, _now())
            files = {".gitattributes": self._blob(GITATTRIBUTES.encode())}
            self._new_commit(repo, "main", None, files, "initial commit", "", user)
            self.repos[(repo_type, repo_id)] = repo
        return 200, {"url": self.repo_url(repo), "name": repo_id, "id": repo_id}

    def delete_repo(self, user: str | None, body: dict[str, Any]) -> dict[str, Any]:
        repo_id = f"{body.get('organization') or user}/{body['name']}"
        key = (body.get("type") or "model", repo_id)
        with self._lock:
            self._repo(*key, user=user)
            del self.repos[key]
        return {}

    def repo_info(self, repo: Repo, revision: str, query: dict[str, list[str]]) -> dict[str, Any]:
        commit = self._commit(repo, revision)
        blobs = query.get("blobs", [""])[0].lower() == "true"
        siblings = []
        for path, blob in sorted(commit.files.items()):
            sibling: dict[str, Any] = {"rfilename": path}
            if blobs:  # siblings spell the LFS oid `sha256` where tree entries say `oid`
                lfs = blob.entry(path).get("lfs")
                if lfs:
                    lfs = {
                        "sha256": lfs["oid"],
                        "size": lfs["size"],
                        "pointerSize": lfs["pointerSize"],
                    }
                sibling.update(size=blob.size, blobId=blob.git_oid, lfs=lfs)
            siblings.append(sibling)
        info: dict[str, Any] = {
            "_id": hashlib.md5(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "author": repo.repo_id.split("/")[0],
            "sha": commit.oid,
            "createdAt": repo.created_at,
            "lastModified": commit.date,
            "private": repo.private,
            "gated": False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": siblings,
        }
        if "README.md" in commit.files:
            card = self._card_data(self._object(commit.files["README.md"].sha256).read_text())
            if isinstance(card, dict):
                info["cardData"] = card
        if repo.repo_type == "model":
            info["modelId"] = repo.repo_id
        return info

    @staticmethod
    def _card_data(text: str) -> Any:
        match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, re.DOTALL)
        return yaml.safe_load(match.group(1)) if match else None

    def validate_yaml(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            card = self._card_data(body.get("content", ""))
        except yaml.YAMLError as exc:
            return 400, {"errors": [{"message": f"Invalid YAML in README.md: {exc}"}]}
        if card is not None and not isinstance(card, dict):
            return 400, {"errors": [{"message": "YAML metadata must be a mapping"}]}
        return 200, {"errors": [], "warnings": []}

    def preupload(self, repo: Repo, revision: str, body: dict[str, Any]) -> dict[str, Any]:
        commit = self._commit(repo, revision)
        out = []
        for item in body["files"]:
            path, size = item["path"], int(item["size"])
            lfs = self._is_lfs(path, size, base64.b64decode(item.get("sample", "")))
            remote = commit.files.get(path)
            oid = None if remote is None else (remote.sha256 if remote.lfs else remote.git_oid)
            mode = "lfs" if lfs else "regular"
            out.append({"path": path, "uploadMode": mode, "shouldIgnore": False, "oid": oid})
        return {"files": out, "commitOid": commit.oid}

    def commit(
        self, repo: Repo, revision: str, user: str, lines: list[dict[str, Any]], create_pr: bool
    ) -> dict[str, Any]:
        with self._lock:
            base = self._commit(repo, revision)
            branch = revision
            if create_pr:
                branch = f"refs/pr/{1 + sum(r.startswith('refs/pr/') for r in repo.refs)}"
            elif revision not in repo.refs:
                raise HubError(400, f"Cannot commit to {revision}: not a branch")
            header = next((ln["value"] for ln in lines if ln.get("key") == "header"), {})
            parent = header.get("parentCommit")
            if parent and parent != base.oid:
                raise HubError(412, f"Parent commit {parent} is not the head of {revision}")
            files = dict(base.files)
            for line in lines:
                key, value = line.get("key"), line.get("value", {})
                path = value.get("path", "")
                if key == "file":
                    content = value["content"]
                    b64 = value.get("encoding") == "base64"
                    data = base64.b64decode(content) if b64 else content.encode()
                    files[path] = self._blob(data)
                elif key == "lfsFile":
                    oid = value["oid"]
                    if oid not in repo.lfs_objects or not self._object(oid).exists():
                        raise HubError(400, f"LFS pointer {path} points to missing object {oid}")
                    size = self._object(oid).stat().st_size
                    files[path] = Blob.lfs_file(oid, size)
                elif key == "deletedFile":
                    if files.pop(path, None) is None:
                        raise _not_found("EntryNotFound", "A file with this name doesn't exist")
                elif key == "deletedFolder":
                    prefix = path.rstrip("/") + "/"
                    for name in [p for p in files if p.startswith(prefix)]:
                        del files[name]
                elif key != "header":
                    raise HubError(400, f"Unknown commit operation key: {key}")
            commit = self._new_commit(
                repo,
                branch,
                base,
                files,
                header.get("summary", ""),
                header.get("description", ""),
                user,
            )
        url = f"{self.repo_url(repo)}/commit/{commit.oid}"
        pr_url = f"{self.repo_url(repo)}/discussions/{branch.rsplit('/', 1)[-1]}"
        return {
            "success": True,
            "commitOid": commit.oid,
            "commitUrl": url,
            "hookOutput": "",
            "pullRequestUrl": pr_url if create_pr else None,
        }

    def lfs_batch(self, repo: Repo, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("operation") != "upload":
            raise HubError(400, "Only the upload operation is supported")
        objects = []
        base = f"{self.repo_url(repo)}.git/info/lfs/objects"
        for obj in body["objects"]:
            oid, size = obj["oid"], int(obj["size"])
            entry: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            if oid not in repo.lfs_objects:
                ticket = secrets.token_urlsafe(16)
                with self._lock:
                    self._uploads[ticket] = ((repo.repo_type, repo.repo_id), oid, size)
                entry["actions"] = {
                    "upload": {"href": f"{base}/{oid}?ticket={ticket}", "expires_in": 3600},
                    "verify": {"href": f"{base}/verify", "header": {}},
                }
            objects.append(entry)
        return {"transfer": "basic", "objects": objects, "hash_algo": "sha256"}

    def lfs_put(self, ticket: str, oid: str, data: bytes) -> None:
        with self._lock:
            upload = self._uploads.get(ticket)  # kept until success: the client retries PUTs
        if upload is None or upload[1] != oid:
            raise HubError(403, "Invalid or expired upload ticket")
        if hashlib.sha256(data).hexdigest() != oid or len(data) != upload[2]:
            raise HubError(400, f"Uploaded content does not match oid {oid} / size {upload[2]}")
        self._store(data)
        with self._lock:
            self.repos[upload[0]].lfs_objects.add(oid)
            self._uploads.pop(ticket, None)

    def lfs_verify(self, repo: Repo, body: dict[str, Any]) -> dict[str, Any]:
        oid = body.get("oid", "")
        path = self._object(oid)
        if oid not in repo.lfs_objects or path.stat().st_size != int(body.get("size", -1)):
            raise _not_found("EntryNotFound", f"LFS object {oid} not found")
        return {"success": True}

    def tree(self, repo: Repo, revision: str, path: str, recursive: bool) -> list[dict[str, Any]]:
        files = self._commit(repo, revision).files
        prefix = f"{path}/" if path else ""
        if path and not any(p.startswith(prefix) for p in files):
            raise _not_found("EntryNotFound", f"{path} does not exist on {revision}")
        entries: dict[str, dict[str, Any]] = {}
        for name, blob in files.items():
            if not name.startswith(prefix):
                continue
            parts = name[len(prefix) :].split("/")
            depth = len(parts) if recursive else 1
            for i in range(1, min(depth, len(parts) - 1) + 1):
                folder = prefix + "/".join(parts[:i])
                entries.setdefault(folder, self._folder_entry(files, folder))
            if recursive or len(parts) == 1:
                entries[name] = blob.entry(name)
        return [entries[k] for k in sorted(entries)]

    @staticmethod
    def _folder_entry(files: dict[str, Blob], folder: str) -> dict[str, Any]:
        inner = sorted(f"{p}:{b.git_oid}" for p, b in files.items() if p.startswith(folder + "/"))
        oid = hashlib.sha1("\n".join(inner).encode()).hexdigest()
        return {"type": "directory", "oid": oid, "size": 0, "path": folder}

    def paths_info(self, repo: Repo, revision: str, paths: list[str]) -> list[dict[str, Any]]:
        files = self._commit(repo, revision).files
        out = []
        for path in paths:
            path = path.strip("/")
            if path in files:
                out.append(files[path].entry(path))
            elif any(p.startswith(path + "/") for p in files):
                out.append(self._folder_entry(files, path))
        return out

    def refs(self, repo: Repo, include_prs: bool) -> dict[str, Any]:
        def ref(name: str) -> dict[str, str]:
            full = name if name.startswith("refs/") else f"refs/heads/{name}"
            return {
                "name": name.rsplit("/", 1)[-1] if name.startswith("refs/") else name,
                "ref": full,
                "targetCommit": repo.refs[name],
            }

        branches = [ref(n) for n in repo.refs if not n.startswith("refs/")]
        prs = [ref(n) for n in repo.refs if n.startswith("refs/pr/")]
        out: dict[str, Any] = {"branches": branches, "converts": [], "tags": []}
        if include_prs:
            out["pullRequests"] = prs
        return out

    def commits_json(self, repo: Repo, revision: str) -> list[dict[str, Any]]:
        return [
            {
                "id": c.oid,
                "title": c.title,
                "message": c.message,
                "date": c.date,
                "authors": [{"user": c.author}],
            }
            for c in self.commits(repo.repo_id, repo.repo_type, revision)
        ]

    def create_branch(self, repo: Repo, branch: str, body: dict[str, Any]) -> tuple[int, dict]:
        with self._lock:
            if branch in repo.refs:
                return 409, {"error": f"Reference already exists: refs/heads/{branch}"}
            repo.refs[branch] = self._commit(repo, body.get("startingPoint") or "main").oid
        return 200, {}


_REPO = r"(?P<ns>[^/]+)/(?P<name>[^/]+)"
_API = r"/api/(?P<types>models|datasets|spaces)/" + _REPO
_GIT = r"/(?P<prefix>datasets/|spaces/)?" + _REPO
_LFS = _GIT + r"\.git/info/lfs/objects/"
_RESOLVE = _GIT + r"/resolve/(?P<rev>[^/]+)/(?P<path>.+)"
# (counter name, method, path pattern): everything the two client libraries were seen to call
ROUTES: list[tuple[str, str, re.Pattern[str]]] = [
    (name, method, re.compile(pattern))
    for name, method, pattern in [
        ("whoami", "GET", r"/api/whoami-v2"),
        ("repo_create", "POST", r"/api/repos/create"),
        ("repo_delete", "DELETE", r"/api/repos/delete"),
        ("validate_yaml", "POST", r"/api/validate-yaml"),
        ("repo_info", "GET", _API + r"(/revision/(?P<rev>[^/]+))?"),
        ("tree", "GET", _API + r"/tree/(?P<rev>[^/]+)(/(?P<path>.*))?"),
        ("paths_info", "POST", _API + r"/paths-info/(?P<rev>[^/]+)"),
        ("preupload", "POST", _API + r"/preupload/(?P<rev>[^/]+)"),
        ("commit", "POST", _API + r"/commit/(?P<rev>[^/]+)"),
        ("refs", "GET", _API + r"/refs"),
        ("commits", "GET", _API + r"/commits/(?P<rev>[^/]+)"),
        ("branch_create", "POST", _API + r"/branch/(?P<rev>[^/]+)"),
        ("lfs_batch", "POST", _LFS + "batch"),
        ("lfs_verify", "POST", _LFS + "verify"),
        ("lfs_upload", "PUT", _LFS + r"(?P<oid>[0-9a-f]{64})"),
        ("resolve", "GET", _RESOLVE),
        ("resolve", "HEAD", _RESOLVE),
    ]
]
Reply = tuple[int, Any]  # status, JSON payload (None: the handler has replied itself)


def _match_route(method: str, path: str) -> tuple[str, re.Match[str] | None]:
    for name, route_method, pattern in ROUTES:
        if route_method == method and (m := pattern.fullmatch(path)):
            return name, m
    return "unknown", None


def _make_handler(hub: HubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the Hub: the clients pool connections
        query: dict[str, list[str]]
        raw: bytes
        user: str | None

        def log_message(self, format: str, *args: Any) -> None:  # silence stderr access log
            pass

        def do_GET(self) -> None:
            self._dispatch()

        do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

        # -- plumbing -------------------------------------------------------------------------
        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(
            self, status: int, body: bytes, headers: dict[str, str], ctype: str = "application/json"
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            hub.requests.append((self.command, self.path, status))

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            self.query = parse_qs(url.query)
            self.raw = self._body() if self.command in ("POST", "PUT", "DELETE") else b""
            name, m = _match_route(self.command, url.path)
            if m is None:
                hub.unknown_routes.append(f"{self.command} {self.path}")
                log.error("LOCAL HUB: UNKNOWN ROUTE %s %s", self.command, self.path)
                print(f"LOCAL HUB: UNKNOWN ROUTE {self.command} {self.path}", flush=True)
            with hub._lock:
                hub.counts[name] += 1
            try:
                if m is None:
                    raise HubError(404, f"Unknown route {self.command} {url.path}")
                self.user = self._user()
                status, payload = getattr(self, f"r_{name}")(m)
                if payload is not None:
                    self._send(status, json.dumps(payload).encode(), {})
            except HubError as exc:
                headers = {"X-Error-Message": exc.message, **exc.headers}
                if exc.code:
                    headers["X-Error-Code"] = exc.code
                self._send(exc.status, json.dumps({"error": exc.message}).encode(), headers)
            except Exception as exc:  # a server bug: make it loud, not a silent retry loop
                log.exception("LOCAL HUB crashed on %s %s", self.command, self.path)
                self._send(500, json.dumps({"error": f"local hub bug: {exc!r}"}).encode(), {})

        def _user(self) -> str | None:
            auth = self.headers.get("Authorization", "")
            if not auth:
                return None
            token = auth.removeprefix("Bearer ").strip()
            if token not in hub.tokens:  # the Hub rejects a bad token on every route
                raise HubError(401, INVALID_TOKEN)
            return hub.tokens[token]

        def _payload(self) -> Any:
            if "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
                return parse_qs(self.raw.decode(), keep_blank_values=True)
            return json.loads(self.raw or b"{}")

        def _repo(self, m: re.Match[str]) -> Repo:
            repo_type = (
                API_TYPES[m["types"]]
                if "types" in m.re.groupindex
                else (URL_TYPES[m["prefix"] or ""])
            )
            with hub._lock:
                return hub._repo(repo_type, f"{unquote(m['ns'])}/{unquote(m['name'])}", self.user)

        def _writable(self, m: re.Match[str]) -> tuple[Repo, str]:
            repo = self._repo(m)
            if self.user is None:
                raise HubError(401, INVALID_TOKEN)
            if not hub._can_write(self.user, repo.repo_id):
                raise HubError(403, f"You don't have write access to {repo.repo_id}")
            return repo, self.user

        # -- routes ---------------------------------------------------------------------------
        def r_whoami(self, m: re.Match[str]) -> Reply:
            return 200, hub.whoami(self.user)

        def r_repo_create(self, m: re.Match[str]) -> Reply:
            return hub.create_repo(self.user, self._payload())

        def r_repo_delete(self, m: re.Match[str]) -> Reply:
            return 200, hub.delete_repo(self.user, self._payload())

        def r_validate_yaml(self, m: re.Match[str]) -> Reply:
            return hub.validate_yaml(self._payload())

        def r_repo_info(self, m: re.Match[str]) -> Reply:
            return 200, hub.repo_info(self._repo(m), unquote(m["rev"] or "main"), self.query)

        def r_tree(self, m: re.Match[str]) -> Reply:
            recursive = self.query.get("recursive", ["false"])[0].lower() in ("true", "1")
            path = unquote(m["path"] or "").strip("/")
            return 200, hub.tree(self._repo(m), unquote(m["rev"]), path, recursive)

        def r_paths_info(self, m: re.Match[str]) -> Reply:
            paths = list(self._payload().get("paths", []))
            return 200, hub.paths_info(self._repo(m), unquote(m["rev"]), paths)

        def r_preupload(self, m: re.Match[str]) -> Reply:
            repo, _ = self._writable(m)
            return 200, hub.preupload(repo, unquote(m["rev"]), self._payload())

        def r_commit(self, m: re.Match[str]) -> Reply:
            repo, author = self._writable(m)
            lines = [json.loads(line) for line in self.raw.splitlines() if line.strip()]
            create_pr = self.query.get("create_pr", ["0"])[0].lower() in ("1", "true")
            return 200, hub.commit(repo, unquote(m["rev"]), author, lines, create_pr)

        def r_refs(self, m: re.Match[str]) -> Reply:
            return 200, hub.refs(self._repo(m), "include_prs" in self.query)

        def r_commits(self, m: re.Match[str]) -> Reply:
            return 200, hub.commits_json(self._repo(m), unquote(m["rev"]))

        def r_branch_create(self, m: re.Match[str]) -> Reply:
            repo, _ = self._writable(m)
            return hub.create_branch(repo, unquote(m["rev"]), self._payload())

        def r_lfs_batch(self, m: re.Match[str]) -> Reply:
            return 200, hub.lfs_batch(self._writable(m)[0], json.loads(self.raw))

        def r_lfs_verify(self, m: re.Match[str]) -> Reply:
            return 200, hub.lfs_verify(self._writable(m)[0], json.loads(self.raw))

        def r_lfs_upload(self, m: re.Match[str]) -> Reply:
            # Like a pre-signed S3 URL: no Authorization header, the ticket is the credential.
            hub.lfs_put(self.query.get("ticket", [""])[0], m["oid"], self.raw)
            self._send(200, b"", {"ETag": f'"{m["oid"]}"'}, ctype="text/plain")
            return 200, None

        def r_resolve(self, m: re.Match[str]) -> Reply:
            repo = self._repo(m)
            with hub._lock:
                commit = hub._commit(repo, unquote(m["rev"]))
            path = unquote(m["path"])
            headers = {"X-Repo-Commit": commit.oid, "Accept-Ranges": "bytes"}
            blob = commit.files.get(path)
            if blob is None:  # the client caches this miss per commit, hence X-Repo-Commit
                message = f"{path} does not exist on {commit.oid}"
                raise HubError(404, message, "EntryNotFound", {"X-Repo-Commit": commit.oid})
            headers["ETag"] = etag = f'"{blob.sha256 if blob.lfs else blob.git_oid}"'
            if blob.lfs:
                headers.update({"X-Linked-Etag": etag, "X-Linked-Size": str(blob.size)})
            data, status = hub._object(blob.sha256).read_bytes(), 200
            rng = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
            if rng and (rng[1] or rng[2]):
                start = int(rng[1]) if rng[1] else max(0, blob.size - int(rng[2]))
                end = min(int(rng[2]) if rng[1] and rng[2] else blob.size - 1, blob.size - 1)
                if start >= blob.size:
                    raise HubError(
                        416,
                        "Range Not Satisfiable",
                        None,
                        {"Content-Range": f"bytes */{blob.size}"},
                    )
                headers["Content-Range"] = f"bytes {start}-{end}/{blob.size}"
                data, status = data[start : end + 1], 206
            self._send(status, data, headers, ctype="application/octet-stream")
            return status, None

    return Handler
