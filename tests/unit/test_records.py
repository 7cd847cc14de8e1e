from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from logwarden.ingest.records import stable_id, stable_ids

# Any text, lone surrogates included (ids are encoded with surrogatepass).
_TEXT = st.text(st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)))


@given(_TEXT, _TEXT, st.lists(_TEXT, max_size=5))
def test_stable_ids_give_the_same_ids_as_stable_id(group: str, stream: str, event_ids: list[str]) -> None:
    # GIVEN one delivery's log group and stream
    id_of = stable_ids(group, stream)
    # THEN every event id hashes exactly as the one-shot function does, however many are taken
    for event_id in event_ids:
        assert id_of(event_id) == stable_id(group, stream, event_id)


def test_stable_ids_differ_by_event_and_prefix() -> None:
    id_of = stable_ids("/ecs/shop-api", "s")
    assert id_of("1") != id_of("2")
    assert stable_ids("/ecs/shop-api", "t")("1") != id_of("1")
    assert id_of("1") == id_of("1")
