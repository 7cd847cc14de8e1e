"""Bounded caches: the one policy by which the layer remembers what it worked out per event.

Log events repeat: the same keys, field names, templates, hosts and message shapes arrive millions of times,
so the ingest path remembers its answer for each. Every such memory is a :class:`BoundedCache`, or a
:class:`Memo` (a bounded cache that works out a missing entry itself), and they all follow one policy:

* At most ``limit`` entries. A store into a full cache first empties it (and the containers derived from it),
  then stores: the working set refills it at one miss per entry. No recency is tracked, so a hit costs nothing
  but the dict lookup; an input that cycles through more keys than the bound still finds most of them.
* An entry is stored once worked out: an exception while working it out leaves no entry.
* What is stored depends on the key alone (and on settings fixed for the cache's lifetime), so a cache changes
  how fast an answer comes, never the answer.

Both are dicts, so a hit (``cache[key]``, ``key in cache``, ``cache.get(key)``) is a dict lookup done in C: a
Memo works out a missing value in ``__missing__``, which only a miss reaches. :func:`memoised` puts a Memo in front
of a one-argument function; the decorated name is then the Memo's ``__getitem__``, a builtin method, so a call
whose answer is known runs no Python frame (``functools.lru_cache`` would also update its recency list).

Store only through :meth:`BoundedCache.store` (a Memo stores by itself): ``cache[key] = value`` would pass the bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Clearable(Protocol):
    def clear(self) -> None: ...


class BoundedCache(dict[K, V], Generic[K, V]):
    """A dict of at most ``limit`` entries, emptied when a store finds it full (see the module's policy).

    ``derived``: containers holding facts drawn from the entries (a set of the keys whose answer is None, say),
    emptied with the cache so that they stay within its bound too."""

    __slots__ = ("_derived", "limit")

    def __init__(self, limit: int, derived: Iterable[Clearable] = ()) -> None:
        if limit < 1:
            raise ValueError(f"a bounded cache holds at least one entry, not {limit}")
        super().__init__()
        self.limit = limit
        self._derived = tuple(derived)

    def store(self, key: K, value: V) -> V:
        """Remember ``value`` for ``key`` and return it; a full cache is emptied first."""
        if len(self) >= self.limit:
            self.empty()
        self[key] = value
        return value

    def empty(self) -> None:
        """Empty the cache and its derived containers (what a store into a full cache does first)."""
        self.clear()
        for container in self._derived:
            container.clear()


class Memo(BoundedCache[K, V]):
    """``memo[key]`` is ``compute(key)``, worked out on the first look-up and remembered (see the module's policy).

    Room is made before ``compute`` runs, so what it adds to a derived container survives the store."""

    __slots__ = ("_compute",)

    def __init__(self, compute: Callable[[K], V], limit: int, derived: Iterable[Clearable] = ()) -> None:
        super().__init__(limit, derived)
        self._compute = compute

    def __missing__(self, key: K) -> V:
        if len(self) >= self.limit:  # inline, as in store: a miss is one Python call besides compute's
            self.empty()
        value = self[key] = self._compute(key)
        return value


def memoised(limit: int) -> Callable[[Callable[[K], V]], Callable[[K], V]]:
    """Decorate a one-argument function of a hashable argument with a :class:`Memo` of ``limit`` entries.

    The decorated name is the Memo's ``__getitem__``: a call is a dict lookup when the answer is known."""

    def memoise(compute: Callable[[K], V]) -> Callable[[K], V]:
        return Memo(compute, limit).__getitem__

    return memoise
