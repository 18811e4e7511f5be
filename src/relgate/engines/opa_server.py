"""A running OPA as the policy decision point, over its REST API (opa-python-client).

With `push: true` (the default) relgate uploads its policies and data first,
which suits a dedicated OPA; with `push: false` it queries what the server
already loaded from its bundles and records the bundle revisions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

import requests

from relgate.engines.interface import Engine, LoadReport, PolicySet, RuleOutcome
from relgate.engines.results import GATE_ROOT, ResultRule, check_elements, in_gate
from relgate.engines.v0 import as_v1
from relgate.errors import ConfigError, EngineError, PolicyError
from relgate.outbound import CrossOriginRedirect, bind_to_origin, checked_token

try:
    from opa_client.errors import ConnectionsError, RegoParseError
    from opa_client.opa import OpaClient
except ImportError:  # an optional extra
    OpaClient = None

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def policy_id(path: str) -> str:
    """An OPA policy id for a module, stable per path, under relgate's own prefix."""
    return "relgate/" + _UNSAFE.sub("_", path)


class OpaServerEngine(Engine):
    name = "opa-server"
    pins_time = False  # the data API evaluates with the server's clock

    def __init__(self, settings: Mapping[str, Any]) -> None:
        if OpaClient is None:
            raise EngineError("engine opa-server needs the optional extra: pip install 'relgate[opa-server]'")
        url = str(settings.get("url") or "")
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"opa.url: expected http(s)://host:port of an OPA server, got {url!r}")
        port = parsed.port or (443 if parsed.scheme == "https" else 8181)
        token = checked_token(str(settings["token"]), "opa.token") if settings.get("token") else None
        self.push = bool(settings.get("push", True))
        self.bundles: dict[str, str] = {}
        self._client = OpaClient(
            host=parsed.hostname, port=port, ssl=parsed.scheme == "https", token=token,
            timeout=float(settings.get("timeout", 5)), retries=int(settings.get("retries", 2)),
        )
        if parsed.scheme == "https" and settings.get("ca"):
            self._client._session.verify = str(settings["ca"])
        self._where = f"{parsed.scheme}://{parsed.hostname}:{port}"
        bind_to_origin(self._client._session, self._where)  # the token never follows a redirect elsewhere

    def load(self, policies: PolicySet, data: Mapping[str, Any]) -> LoadReport:
        """With `push: false` the server's own bundles decide: relgate's files are not checked or sent."""
        if not self.push:
            self._rules = ()
            return LoadReport()
        return super().load(policies, data)

    def compile(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        policies = as_v1(policies)
        try:
            for module in policies.modules:
                self._client.update_policy_from_string(module.text, policy_id(module.path), rego_compat=False)
            for key, value in data.items():
                self._put_data(key, value)
        except RegoParseError as exc:
            raise PolicyError(_compile_error(exc, policies)) from None
        except (ConnectionsError, requests.RequestException, ValueError) as exc:
            raise EngineError(f"opa-server {self._where}: cannot load policies: {_short(exc)}") from None

    def provenance(self) -> str | None:
        """With `push: false` the server's bundles decided: their revisions go in the record."""
        if self.push or not self.bundles:
            return None
        return "opa-bundles:" + ",".join(f"{name}@{rev}" for name, rev in sorted(self.bundles.items()))

    def evaluate(self, input_doc: Mapping[str, Any]) -> tuple[RuleOutcome, ...]:
        """One data request per package root; a set arrives as a JSON array (the parse already checked heads)."""
        if not self.push:
            tree = self.query(f"data.{GATE_ROOT}", input_doc)
            return tuple(_tree_outcomes(tree if isinstance(tree, dict) else {}, (GATE_ROOT,)))
        rules: tuple[ResultRule, ...] = self._rules or ()
        roots = {GATE_ROOT if in_gate(r.package_name) else r.package_name for r in rules}
        trees = {root: self.query(f"data.{root}", input_doc) for root in sorted(roots)}
        found: dict[str, dict[str, tuple[Any, ...]]] = {}
        for rule in rules:
            root = GATE_ROOT if in_gate(rule.package_name) else rule.package_name
            node: Any = trees[root]
            for segment in rule.package[len(root.split(".")):]:
                node = node.get(segment) if isinstance(node, dict) else None
            value = node.get(rule.rule) if isinstance(node, dict) else None
            kind = "set" if isinstance(value, list) else _kind(value)
            elements = () if value is None else check_elements(rule.package_name, rule.rule, kind, value)
            found.setdefault(rule.package_name, {})[rule.rule] = elements
        return tuple(RuleOutcome(p, r.get("deny", ()), r.get("warn", ())) for p, r in found.items())

    def _put_data(self, key: str, value: Any) -> None:
        # The client's update_or_create_data accepts only objects; `waivers` is a list,
        # so documents are PUT through the client's own session (same auth, TLS and retries).
        response = self._client._session.put(
            f"{self._client.root_url}/data/{key}", json=value, timeout=self._client.timeout
        )
        response.raise_for_status()

    def query(self, query: str, input_doc: Mapping[str, Any] | None, now_ns: int | None = None) -> Any:
        """`now_ns` cannot reach a server's data API: policies calling time.now_ns() are refused at load."""
        if not query.startswith("data."):
            raise EngineError(f"opa-server evaluates data paths only, not {query!r}")
        try:
            path = query[len("data."):]
            body = self._client.query_rule(dict(input_doc or {}), path, query_params={"provenance": "true"})
        except (requests.RequestException, ConnectionsError, ValueError) as exc:
            raise EngineError(f"opa-server {self._where}: {query} failed: {_short(exc)}") from None
        provenance = body.get("provenance") or {}
        bundles = provenance.get("bundles") or {}
        self.bundles = {name: str(info.get("revision", "")) for name, info in bundles.items()}
        return body.get("result")


def _tree_outcomes(tree: Mapping[str, Any], prefix: tuple[str, ...]) -> list[RuleOutcome]:
    """With the server's own bundles there is no parse to go by: every deny/warn under the tree counts."""
    found: dict[str, tuple[Any, ...]] = {}
    package = ".".join(prefix)
    for rule in ("deny", "warn"):
        if rule in tree:
            value = tree[rule]
            found[rule] = check_elements(package, rule, "set" if isinstance(value, list) else _kind(value), value)
    outcomes = [RuleOutcome(package, found.get("deny", ()), found.get("warn", ()))] if found else []
    for key, value in sorted(tree.items()):
        if isinstance(value, dict) and key not in ("deny", "warn"):
            outcomes.extend(_tree_outcomes(value, (*prefix, key)))
    return outcomes


def _kind(value: Any) -> str:
    return {dict: "object", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def _compile_error(exc: RegoParseError, policies: PolicySet) -> str:
    ids = {policy_id(m.path): m.path for m in policies.modules}
    for error in exc.errors:
        location = error.get("location") or {}
        if location:
            file = ids.get(str(location.get("file")), str(location.get("file")))
            return f"{file}:{location.get('row')}:{location.get('col')}: {error.get('message', '')}"
    return f"opa-server: {exc.message}"


def _short(exc: Exception) -> str:
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        try:
            message = exc.response.json().get("message", "")
        except ValueError:
            message = ""
        return f"HTTP {exc.response.status_code}" + (f" ({str(message)[:200]})" if message else "")
    if isinstance(exc, CrossOriginRedirect):
        return str(exc)
    if isinstance(exc, requests.ConnectionError | ConnectionsError):
        return "cannot connect"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return type(exc).__name__
