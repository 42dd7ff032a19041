"""A loopback stand-in for the Hugging Face Hub's repository and commit API.

It speaks HTTP/1.1 with keep-alive, checks the bearer token, answers a second
create-repo for the same name with 409 as the Hub does, and stores committed files so
that a test can read back exactly what was uploaded. Model card metadata is checked
as the Hub does before a commit (a `base_model` that is not a model id is refused).
Files come inline ("regular" upload mode), as the Hub accepts for small files.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import yaml

LICENSES = {"mit", "apache-2.0", "bsd-3-clause", "gpl-3.0", "other"}
TOKEN = "hf_fake_write_token"


@dataclass
class HubState:
    """Repositories created and files committed, by repository id."""

    repos: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    commits: list[dict[str, Any]] = field(default_factory=list)
    connections: set[tuple[str, int]] = field(default_factory=set)
    requests: int = 0


def _handler(state: HubState, endpoint: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            state.requests += 1
            state.connections.add(self.client_address)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._reply(401, {"error": "Invalid credentials in Authorization header"})
                return
            parts = self.path.split("?")[0].strip("/").split("/")
            if parts == ["api", "validate-yaml"]:
                self._validate(json.loads(body)["content"])
            elif parts == ["api", "repos", "create"]:
                self._create(json.loads(body))
            elif len(parts) == 6 and parts[:2] == ["api", "models"] and parts[4] == "preupload":
                files = json.loads(body)["files"]
                self._reply(
                    200,
                    {
                        "files": [
                            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                            for f in files
                        ]
                    },
                )
            elif len(parts) == 6 and parts[:2] == ["api", "models"] and parts[4] == "commit":
                self._commit(f"{parts[2]}/{parts[3]}", body)
            else:
                self._reply(404, {"error": f"not found: {self.path}"})

        def _validate(self, content: str) -> None:
            """Check a model card's metadata the way the Hub rejects common mistakes."""
            metadata = yaml.safe_load(content.split("---")[1]) if content.startswith("---") else {}
            errors = []
            base_model = metadata.get("base_model")
            if base_model is not None and not re.fullmatch(r"[\w.-]+/[\w.-]+", str(base_model)):
                errors.append({"message": f'"base_model" {base_model!r} is not a model id'})
            if metadata.get("license") not in (None, *LICENSES):
                errors.append({"message": f'"license" {metadata["license"]!r} is not known'})
            self._reply(400 if errors else 200, {"errors": errors, "warnings": []})

        def _create(self, payload: dict[str, Any]) -> None:
            repo_id = f"{payload['organization']}/{payload['name']}"
            url = f"{endpoint[0]}/{repo_id}"
            if repo_id in state.repos:
                self._reply(409, {"error": "You already created this model repo", "url": url})
                return
            state.repos[repo_id] = payload
            state.files[repo_id] = {}
            self._reply(200, {"url": url, "name": repo_id, "id": repo_id})

        def _commit(self, repo_id: str, body: bytes) -> None:
            if repo_id not in state.repos:
                self._reply(404, {"error": "Repository not found"})
                return
            lines = [json.loads(line) for line in body.splitlines() if line.strip()]
            header = next(line["value"] for line in lines if line["key"] == "header")
            for line in lines:
                if line["key"] == "file":
                    value = line["value"]
                    state.files[repo_id][value["path"]] = base64.b64decode(value["content"])
            state.commits.append({"repo_id": repo_id, **header})
            oid = f"{len(state.commits):040x}"
            self._reply(
                200,
                {"commitUrl": f"{endpoint[0]}/{repo_id}/commit/{oid}", "commitOid": oid},
            )

    return Handler


@contextmanager
def fake_hub() -> Iterator[tuple[str, HubState]]:
    """Serve the fake Hub on a free loopback port; yields its URL and its state."""
    state = HubState()
    endpoint = [""]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, endpoint))
    endpoint[0] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint[0], state
    finally:
        server.shutdown()
        server.server_close()
