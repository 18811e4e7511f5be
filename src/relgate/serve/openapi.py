"""The OpenAPI 3.1 description served at `/openapi.json`."""

from __future__ import annotations

from typing import Any

from relgate import __version__

_STR = {"type": "string"}
_ANSWER = {
    "type": "object",
    "required": ["allowed", "decision", "violations", "audit_id"],
    "properties": {
        "allowed": {"type": "boolean", "description": "true when the gate passes (allow, or any verdict in warn mode)"},
        "decision": {"enum": ["allow", "deny", "error"]},
        "violations": {"type": "array", "items": {"$ref": "#/components/schemas/Violation"}},
        "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Violation"}},
        "errors": {"type": "array", "items": _STR},
        "service": _STR,
        "environment": _STR,
        "mode": _STR,
        "audit_id": {"type": ["string", "null"], "description": "id of the audit record (GET /v1/decisions/{id})"},
    },
}
_VIOLATION = {
    "type": "object",
    "properties": {"policy": _STR, "id": _STR, "msg": _STR, "details": {"type": "object"}, "enforcement": _STR},
}
_ERROR = {"type": "object", "properties": {"error": _STR}}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": _STR, "description": description}


def document() -> dict[str, Any]:
    answer = {"$ref": "#/components/schemas/GateAnswer"}
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "relgate serve", "version": __version__,
                 "description": "The relgate release gate as a service. Every decision is recorded in the "
                                "configured audit store."},
        "components": {
            "schemas": {"GateAnswer": _ANSWER, "Violation": _VIOLATION, "Error": _ERROR},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "RELGATE_CONSOLE_TOKEN (or a trusted proxy's user "
                                                          "header)"}},
        },
        "paths": {
            "/v1/gate": {"get": {
                "summary": "Gather, evaluate and record; for Argo Rollouts' web metric ($.allowed)",
                "security": _BEARER,
                "parameters": [_query("service", "service (default: the config's)"),
                               _query("environment", "environment (default: the config's)"),
                               _query("revision", "a git SHA (the change's commit) or an artifact/revision")],
                "responses": {"200": _json(answer, "the decision"), "400": _json(error, "bad parameter"),
                              "401": _json(error, "not authenticated")}}},
            "/v1/check": {"post": {
                "summary": "Like `relgate check`, with its per-run flags as fields",
                "security": _BEARER,
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": False,
                    "properties": {k: _STR for k in ("service", "environment", "commit", "artifact", "at", "mode",
                                                      "override", "actor", "engine")}}}}},
                "responses": {"200": _json(answer, "the decision (and `result`, the full decision)"),
                              "400": _json(error, "bad field"), "401": _json(error, "not authenticated")}}},
            "/v1/decisions/{id}": {"get": {
                "summary": "One audit record (CloudEvent with chain fields), as stored",
                "security": _BEARER,
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": _STR}],
                "responses": {"200": _json({"type": "object"}, "the record"), "404": _json(error, "no such record"),
                              "401": _json(error, "not authenticated")}}},
            "/github/webhook": {"post": {
                "summary": "GitHub deployment_protection_rule webhook (X-Hub-Signature-256 required)",
                "responses": {"202": _json({"type": "object"}, "queued; the review is posted to GitHub when "
                                                               "decided"),
                              "200": _json({"type": "object"}, "ping, or a duplicate delivery"),
                              "401": _json(error, "bad signature")}}},
            "/flagger/{hook}": {"post": {
                "summary": "Flagger webhook: 200 proceeds, 403 halts (rollback: 200 rolls back)",
                "parameters": [{"name": "hook", "in": "path", "required": True,
                                "schema": {"enum": ["confirm-rollout", "pre-rollout", "confirm-traffic-increase",
                                                    "confirm-promotion", "rollback"]}}],
                "responses": {"200": _json(answer, "proceed (rollback hook: roll back)"),
                              "403": _json(answer, "halt (rollback hook: keep going)"),
                              "401": _json(error, "metadata.token wrong")}}},
            "/healthz": {"get": {"summary": "The process answers", "responses": {"200": {"description": "ok"}}}},
            "/readyz": {"get": {"summary": "Queue, audit store and engine usable",
                                "responses": {"200": {"description": "ready"}, "503": {"description": "not"}}}},
            "/metrics": {"get": {"summary": "Prometheus exposition", "security": _BEARER,
                                 "responses": {"200": {"description": "text format 0.0.4"}}}},
        },
    }
