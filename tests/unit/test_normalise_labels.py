"""Free-form properties become one bounded flat_object: no dotted keys, at most 100 of them, long text cut."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from logwarden.ingest.normalise import bounded_labels

LONG = "x" * 9000


def test_plain_short_labels_are_kept_as_they_are() -> None:
    labels = {"tenant": "retail", "attempt": 3, "ok": True, "none": None}
    flags: list[str] = []
    assert bounded_labels(labels, flags) == {"tenant": "retail", "attempt": 3, "ok": True, "none": None}
    assert flags == []


def test_dotted_and_empty_keys_are_rewritten_at_every_depth() -> None:
    labels: dict[str, Any] = {"http.route": "/orders", "": "x", "ctx": {"user.agent": "curl", "tags": [{"a.b": 1}]}}
    assert bounded_labels(labels, []) == {
        "http_route": "/orders",
        "_": "x",
        "ctx": {"user_agent": "curl", "tags": [{"a_b": 1}]},
    }


def test_long_text_is_cut_with_an_ellipsis_even_when_nested() -> None:
    bounded = bounded_labels({"body": LONG, "inner": {"body": LONG}, "list": [LONG]}, [])
    assert bounded["body"] == "x" * 8192 + "…"
    assert bounded["inner"]["body"] == "x" * 8192 + "…"
    assert bounded["list"] == ["x" * 8192 + "…"]


def test_more_than_a_hundred_labels_are_truncated_and_flagged() -> None:
    flags: list[str] = []
    bounded = bounded_labels({f"k{i}": i for i in range(150)}, flags)
    assert list(bounded) == [f"k{i}" for i in range(100)]
    assert flags == ["labels_truncated"]


def _bounds_hold(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= 8193
    if isinstance(value, dict):
        return len(value) <= 100 and all("." not in k and k and _bounds_hold(v) for k, v in value.items())
    if isinstance(value, list):
        return len(value) <= 100 and all(_bounds_hold(v) for v in value)
    return True


KEYS = st.one_of(st.sampled_from(["a", "a.b", "", "order.id", "x"]), st.text(max_size=5))
VALUES = st.recursive(
    st.one_of(st.none(), st.integers(), st.sampled_from(["short", LONG])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=120))
def test_any_labels_come_out_within_bounds(labels: dict[str, Any]) -> None:
    # GIVEN any properties a service might log; WHEN bounded; THEN every bound holds at every depth
    bounded = bounded_labels(labels, [])
    assert _bounds_hold(bounded)
    assert len(bounded) <= len(labels)
