"""The bundled approvals policy gives OPA's answer on regorus for any approvals evidence and settings.

Approvals are where the library does the most work per evaluation, and its rules
were reshaped for speed; hypothesis builds reviews with missing, mistyped, stale,
future, superseded and self-given entries, and odd settings, and the real OPA is
the reference for every deny it draws.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.engines import make_engine
from relgate.engines.interface import Engine
from relgate.policy import load_policies
from tests.conftest import ROOT

NOW = 1_795_000_000 * 10**9
HOUR = 3600 * 10**9
USERS = ["lee", "Lee", "dana", "DANA", "kim", ""]

approval = st.fixed_dictionaries(
    {},
    optional={
        "user": st.one_of(st.sampled_from(USERS), st.none(), st.integers(0, 3)),
        "state": st.sampled_from(["APPROVED", "approved", "CHANGES_REQUESTED", "changes_requested", "COMMENTED",
                                  "DISMISSED", 7]),
        "submitted_at_ns": st.one_of(st.integers(NOW - 100 * HOUR, NOW + 2 * HOUR), st.just("yesterday"),
                                     st.none()),
        "stale": st.one_of(st.booleans(), st.just("true")),
        "association": st.sampled_from(["OWNER", "member", "CONTRIBUTOR", "NONE", 1]),
    },
)

# Settings are drawn from a fixed list so each engine compiles the library once per setting.
SETTINGS: list[Any] = [
    None, "strict", {}, {"min": 1}, {"min": 2, "max_age_hours": 72}, {"min": 0}, {"min": "2"},
    {"max_age_hours": 1.5}, {"max_age_hours": -1}, {"max_age_hours": "72"}, {"allow_author": True},
    {"allow_author": "yes", "min": 1}, {"associations": ["OWNER", "member"]}, {"associations": []},
    {"associations": "OWNER"}, {"associations": ["OWNER", 3], "min": 2, "max_age_hours": 24, "allow_author": False},
]

@st.composite
def contexts(draw: st.DrawFn) -> dict[str, Any]:
    context: dict[str, Any] = {"service": "checkout", "environment": "production"}
    if draw(st.booleans()):
        context["evaluated_at_ns"] = NOW
    reviews = draw(st.lists(approval, max_size=5))
    where = draw(st.sampled_from(["github", "facts", "none"]))
    author = draw(st.one_of(st.sampled_from(USERS), st.none()))
    if where == "github":
        context["approvals"] = reviews
        context["pull_request"] = {"author": author}
    elif where == "facts":
        context["change_facts"] = {"approvals": reviews, "pull_request": {"author": author}}
    if draw(st.booleans()):
        context["change"] = {"author": draw(st.sampled_from(USERS))}
    return context


@pytest.fixture(scope="module")
def engines() -> Iterator[dict[tuple[str, int], Engine]]:
    policies = load_policies(["builtin"], ROOT)
    loaded: dict[tuple[str, int], Engine] = {}
    for name in ("regorus", "opa"):
        for index, config in enumerate(SETTINGS):
            loaded[name, index] = make_engine(name, isolated=False)
            loaded[name, index].load(policies, {"config": {"approvals": config}, "waivers": []})
    yield loaded
    for engine in loaded.values():
        engine.close()


def _deny(engine: Engine, context: dict[str, Any]) -> list[Any]:
    (outcome,) = [o for o in engine.evaluate(context) if o.package == "relgate.approvals"]
    return sorted(outcome.deny, key=repr)


@settings(max_examples=200, deadline=None)
@given(setting=st.integers(0, len(SETTINGS) - 1), context=contexts())
def test_regorus_agrees_with_opa_on_approvals(engines: dict[tuple[str, int], Engine], setting: int,
                                              context: dict[str, Any]) -> None:
    assert _deny(engines["regorus", setting], context) == _deny(engines["opa", setting], context)
