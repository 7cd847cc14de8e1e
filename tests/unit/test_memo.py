"""The bounded caches of logwarden.memo: the bound, the hits, and what happens when one is full."""

from __future__ import annotations

import pytest

from logwarden.memo import BoundedCache, Memo, memoised


class Counting:
    """A pure function of its argument that counts how often it ran."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, key: int) -> int:
        self.calls.append(key)
        return key * key


def test_a_hit_returns_the_stored_value_without_computing_again() -> None:
    compute = Counting()
    memo = Memo(compute, 4)
    assert [memo[3], memo[3], memo[2], memo[3]] == [9, 9, 4, 9]
    assert compute.calls == [3, 2]


def test_none_and_falsy_values_are_remembered_too() -> None:
    calls: list[str] = []

    def nothing(key: str) -> None:
        calls.append(key)

    memo = Memo(nothing, 4)
    assert memo["a"] is None and memo["a"] is None
    assert calls == ["a"]


def test_a_memo_never_holds_more_than_its_limit() -> None:
    memo = Memo(Counting(), 5)
    for key in range(1000):
        memo[key]
        assert len(memo) <= 5


def test_a_miss_on_a_full_memo_empties_it_then_stores_the_new_entry() -> None:
    compute = Counting()
    memo = Memo(compute, 3)
    for key in (1, 2, 3):
        memo[key]
    assert dict(memo) == {1: 1, 2: 4, 3: 9}
    assert memo[4] == 16
    assert dict(memo) == {4: 16}
    memo[1]  # gone with the rest: worked out again
    assert compute.calls == [1, 2, 3, 4, 1]


def test_a_hit_on_a_full_memo_keeps_every_entry() -> None:
    memo = Memo(Counting(), 2)
    memo[1], memo[2]
    memo[1]
    assert dict(memo) == {1: 1, 2: 4}


def test_an_exception_while_computing_stores_nothing() -> None:
    def fails(key: int) -> int:
        raise ValueError(key)

    memo = Memo(fails, 3)
    with pytest.raises(ValueError):
        memo[1]
    assert 1 not in memo and len(memo) == 0


def test_store_respects_the_bound_and_returns_the_value() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    assert cache.store("a", 1) == 1
    cache.store("b", 2)
    assert cache.get("a") == 1 and "b" in cache
    cache.store("c", 3)
    assert dict(cache) == {"c": 3}
    with pytest.raises(KeyError):
        cache["a"]  # a plain bounded cache works nothing out


def test_storing_a_key_already_held_replaces_it_when_there_is_room() -> None:
    cache: BoundedCache[str, int] = BoundedCache(3)
    cache.store("a", 1)
    cache.store("a", 2)
    assert dict(cache) == {"a": 2}


def test_derived_containers_are_emptied_with_the_cache_and_keep_what_compute_adds() -> None:
    odd: set[int] = set()

    def note_odd(key: int) -> int:
        if key % 2:
            odd.add(key)
        return key

    memo = Memo(note_odd, 2, derived=(odd,))
    memo[1], memo[2]
    assert odd == {1}
    memo[3]  # full: emptied (odd too) before 3 is worked out, so 3's note stays
    assert dict(memo) == {3: 3} and odd == {3}


def test_memoised_functions_compute_once_per_argument_within_the_bound() -> None:
    compute = Counting()
    square = memoised(2)(compute)
    assert [square(2), square(2), square(3), square(2)] == [4, 4, 9, 4]
    assert compute.calls == [2, 3]
    square(4)  # the third argument: the memo was full and starts again
    square(2)
    assert compute.calls == [2, 3, 4, 2]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        BoundedCache(0)
