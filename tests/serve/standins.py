"""Real processes and local stand-ins for `relgate serve` tests and the load benchmark.

`running_server` starts `relgate serve` as its own process on a loopback port.
`GithubStandIn` is a small HTTP server playing GitHub's API for the App: it checks
the App JWT's RS256 signature, issuer and lifetime, hands out installation tokens,
and accepts deployment protection rule reviews only with such a token and a body
of exactly GitHub's documented fields.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import requests
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

APP_ID = "424242"
WEBHOOK_SECRET = "whsec-test-7f3a9c"
CONSOLE_TOKEN = "console-token-5b8e1d"
EVENT_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "real-world" / "github-api" / "webhooks" / \
    "deployment_protection_rule.requested.json"
POLICY = """package relgate.facts

import rego.v1

deny contains {"msg": sprintf("facts say %s", [input.facts.reason]), "id": "facts.not_ok"} if {
\tnot input.facts.ok
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_key() -> tuple[str, rsa.RSAPublicKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return pem, key.public_key()


def gate_dir(directory: Path, *, store: str | None = None, ok: bool = False, top: dict[str, Any] | None = None,
             **serve: Any) -> Path:
    """A gate whose verdict follows facts.json (`ok`), with a serve section (and `top` config keys)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "policies").mkdir(exist_ok=True)
    (directory / "policies" / "facts.rego").write_text(POLICY)
    set_facts(directory, ok)
    audit: dict[str, Any] = {"store": store} if store else {"log": ".relgate/audit.jsonl"}
    doc = {"version": 1, "service": "checkout", "environment": "production", "policies": ["policies"],
           "sources": [{"type": "file", "name": "facts", "path": "facts.json", "key": "facts"}],
           "audit": audit, "serve": {"public_url": "https://relgate.example.com", **serve}, **(top or {})}
    path = directory / "relgate.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def set_facts(directory: Path, ok: bool, reason: str = "<b>tests</b> failing") -> None:
    (directory / "facts.json").write_text(json.dumps({"ok": ok, "reason": reason}))


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_server(config: Path, env: dict[str, str], workers: int = 1) -> Iterator[Server]:
    """`relgate serve` in its own process; stopped (SIGTERM, then SIGKILL) when the block ends."""
    port = free_port()
    log_path = config.parent / f"serve-{port}.log"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("RELGATE_", "GITHUB_", "PROMETHEUS_"))}
    full_env.update(env)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", "from relgate.cli import main; main()", "serve", "--config", str(config),
             "--port", str(port), "--workers", str(workers)],
            stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=config.parent)
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"relgate serve exited {process.returncode}:\n{server.log()}")
            try:
                if requests.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"relgate serve did not start:\n{server.log()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def signed_delivery(url: str, payload: dict[str, Any], delivery: str | None = None,
                    secret: str = WEBHOOK_SECRET, event: str = "deployment_protection_rule",
                    session: requests.Session | None = None) -> requests.Response:
    """POST a webhook exactly as GitHub does: raw JSON body, HMAC-SHA256 signature, delivery GUID."""
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-GitHub-Event": event, "X-Hub-Signature-256": signature,
               "X-GitHub-Delivery": delivery or str(uuid.uuid4()), "User-Agent": "GitHub-Hookshot/test"}
    return (session or requests).post(f"{url}/github/webhook", data=body, headers=headers, timeout=10)


def protection_event(run_id: int = 30433642, environment: str = "production") -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(EVENT_FIXTURE.read_text())
    payload["environment"] = environment
    payload["deployment_callback_url"] = (
        f"https://api.github.com/repos/Codertocat/Hello-World/actions/runs/{run_id}/deployment_protection_rule")
    return payload


@dataclass
class GithubStandIn:
    """GitHub's App endpoints on loopback; `reviews` holds every accepted review, in arrival order."""

    public_key: rsa.RSAPublicKey
    app_id: str = APP_ID
    fail_reviews: int = 0
    reviews: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        auth = str(headers.get("Authorization", ""))
        if headers.get("X-GitHub-Api-Version") != "2022-11-28" or "github" not in headers.get("Accept", ""):
            return self._refuse(400, f"{path}: missing API version or Accept header")
        match = re.fullmatch(r"/app/installations/(\d+)/access_tokens", path)
        if method == "POST" and match:
            try:
                claims = jwt.decode(auth.removeprefix("Bearer "), self.public_key, algorithms=["RS256"],
                                    options={"require": ["iat", "exp", "iss"]})
            except jwt.PyJWTError as exc:
                return self._refuse(401, f"JWT refused: {exc}")
            if claims["iss"] != self.app_id or claims["exp"] - claims["iat"] > 600:
                return self._refuse(401, "JWT issuer or lifetime wrong")
            token = f"ghs_{uuid.uuid4().hex}"
            with self.lock:
                self.tokens.add(token)
                self.token_requests.append({"installation": int(match.group(1)), **json.loads(body or b"{}")})
            return 201, {"token": token, "expires_at": "2099-01-01T00:00:00Z", "permissions": {"deployments": "write"}}
        match = re.fullmatch(r"/repos/([^/]+/[^/]+)/actions/runs/(\d+)/deployment_protection_rule", path)
        if method == "POST" and match:
            with self.lock:
                if auth.removeprefix("Bearer ") not in self.tokens:
                    return self._refuse(401, "review without an installation token")
                if self.fail_reviews > 0:
                    self.fail_reviews -= 1
                    return 502, {"message": "Server Error"}
            review = json.loads(body)
            if set(review) != {"environment_name", "state", "comment"} or \
                    review["state"] not in ("approved", "rejected"):
                return self._refuse(422, f"review body not as documented: {sorted(review)}")
            with self.lock:
                self.reviews.append({"repository": match.group(1), "run_id": int(match.group(2)), **review})
            return 204, None
        return self._refuse(404, f"{method} {path}: not a GitHub endpoint this stand-in knows")

    def _refuse(self, status: int, why: str) -> tuple[int, Any]:
        with self.lock:
            self.refused.append(why)
        return status, {"message": why}


@contextmanager
def github_stand_in(public_key: rsa.RSAPublicKey) -> Iterator[GithubStandIn]:
    stand_in = GithubStandIn(public_key)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            status, answer = stand_in.handle("POST", self.path, self.headers, self.rfile.read(length))
            data = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()


def serve_env(stand_in: GithubStandIn | None, pem: str | None, **extra: str) -> dict[str, str]:
    env = {"RELGATE_WEBHOOK_SECRET": WEBHOOK_SECRET, "RELGATE_CONSOLE_TOKEN": CONSOLE_TOKEN, **extra}
    if stand_in is not None and pem is not None:
        env.update({"RELGATE_GITHUB_APP_ID": stand_in.app_id, "RELGATE_GITHUB_APP_KEY": pem})
    return env


def wait_for(predicate: Any, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
