"""The redaction layer: which names are secret, what shapes are masked, and that nothing remembered leaks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.redact import (
    MASK,
    forget_all,
    is_secret_name,
    looks_like_key_material,
    mask_secrets,
    remember,
    remember_env,
    remember_in,
    scrub,
    scrub_value,
)

TOKEN_CHARS = st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_-")
SECRETS = st.text(TOKEN_CHARS, min_size=12, max_size=48)


@pytest.mark.parametrize("name", [
    "webhook_token", "auth", "session_cookie", "passphrase", "bearer", "pwd", "dsn", "credential", "credentials",
    "private_key", "api_key", "apiKey", "X-Api-Key", "secret", "secrets", "secret_value", "Authorization",
    "password", "db_passwd", "signing_key", "client_secret", "session_id", "x-auth-token", "GITHUB_TOKEN",
])
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", [
    "author", "authors", "pr_author", "min_pass_rate", "key", "keys", "max_age_hours", "service", "path",
    "X-Scope-OrgID", "monkey", "keyword", "passed", "approvals",
])
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize("name", ["DB_PASS", "SSH_KEY", "RELGATE_SIGNING_KEY", "DB_PWD", "API_KEY", "NPM_AUTH"])
def test_environment_names_also_count_key_and_pass(name: str) -> None:
    assert is_secret_name(name, env=True)


@pytest.mark.parametrize("name", ["PWD", "OLDPWD", "HOME", "PATH", "KEYCLOAK_URL", "XAUTHORITY", "USER"])
def test_shell_directories_and_ordinary_variables_are_not_secret(name: str) -> None:
    assert not is_secret_name(name, env=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("postgresql://relgate:s3cret@db:5432/gate?password=x&sslmode=require",
     "postgresql://relgate:***@db:5432/gate?password=***&sslmode=require"),
    ("postgresql://db/gate?sslpassword=abc&application_name=x", "postgresql://db/gate?sslpassword=***&application_name=x"),
    ("https://ghp_0123456789abcdefghijklmnopqrstuvwxyz@github.com/x", "https://***@github.com/x"),
    ("host=db user=gate password=hunter22 dbname=x", "host=db user=gate password=*** dbname=x"),
    ("Authorization: Bearer abcdefghijkl", "Authorization: ***"),
    ("{'Authorization': 'token abc123456', 'Accept': 'json'}", "{'Authorization': '***', 'Accept': 'json'}"),
    ('{"webhook_token": "zzz-123", "author": "lee"}', '{"webhook_token": "***", "author": "lee"}'),
    ("sent bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig to x", "sent bearer *** to x"),
    ("key MC4CAQAwBQYDK2VwBCIEIPbq9ZXUiK1xJ3yNK3 bad", "key *** bad"),
    ("-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n-----END PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----***"),
    ("aws AKIAIOSFODNN7EXAMPLE here", "aws *** here"),
])
def test_secret_shapes_are_masked_wherever_they_appear(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "relgate.yaml: sources[0].token: expected a string, got a mapping",
    "tests.pass_rate: test pass rate 95.92% is below the minimum of 98%",
    "author: alice, key=change_facts, min_pass_rate=0.98",
    "sha256:9f2c1e7a4b8d6c3e5f0a1b2c3d4e5f6a7b8c9d0e9f2c1e7a4b8d6c3e5f0a1b2c",
    "https://github.com/acme/checkout/actions/runs/77",
    "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert scrub(text) == text


@given(secret=SECRETS, before=st.text(max_size=30), after=st.text(max_size=30))
@settings(max_examples=150)
def test_a_remembered_secret_never_survives_a_scrub(secret: str, before: str, after: str) -> None:
    remember_env({"HOOK_TOKEN": secret})
    try:
        out = scrub(before + secret + after + secret)
        assert secret not in out and out.count(MASK) >= 2
    finally:
        forget_all()


@given(secret=SECRETS, header=st.sampled_from(["X-Scope-OrgID", "X-Token", "Authorization"]))
@settings(max_examples=60)
def test_header_values_and_secret_fields_are_remembered_anywhere(secret: str, header: str) -> None:
    try:
        remember_in({"sources": [{"headers": {header: f"Bearer {secret}"}}]})
        assert secret not in scrub(f"failed with {header}={secret!r} and again {secret}")
        forget_all()
        remember_in({"data": {"notify": {"webhook_token": secret}}, "opa": {"token": [secret]}})
        assert secret not in scrub_value({"msg": [f"x{secret}y"], secret: 1}).__repr__()
    finally:
        forget_all()


def test_short_and_trivial_values_are_not_remembered() -> None:
    remember_env({"GH_AUTH": "1", "API_TOKEN": "true", "X_TOKEN": "abc"})
    remember("")
    assert scrub("1 true abc") == "1 true abc"


def test_mask_secrets_masks_values_under_secret_keys_and_says_where() -> None:
    doc = {"data": {"webhook_token": "t", "auth": {"user": "u"}, "author": "lee", "dsn": "postgres://x",
                    "list": [{"session_cookie": "c"}], "empty_token": ""}}
    masked, paths = mask_secrets(doc)
    assert masked["data"]["webhook_token"] == MASK and masked["data"]["auth"] == MASK
    assert masked["data"]["author"] == "lee" and masked["data"]["list"][0]["session_cookie"] == MASK
    assert masked["data"]["empty_token"] == ""
    assert sorted(paths) == ["/data/auth", "/data/dsn", "/data/list/0/session_cookie", "/data/webhook_token"]


@pytest.mark.parametrize(("value", "material"), [
    ("MC4CAQAwBQYDK2VwBCIEIPbq9ZXUiK1xJ3yNK3h0", True),
    ("-----BEGIN PRIVATE KEY-----\nabc", True),
    ("keys/signing.pem", False),
    ("/etc/relgate/ed25519.key", False),
])
def test_key_material_is_told_from_a_path(value: str, material: bool) -> None:
    assert looks_like_key_material(value) is material
