"""Adaptive bulk size: when the engine throttles (429), send less at a time; when it keeps up, send more again.

Additive increase, multiplicative decrease, per warm process, like TCP's congestion window: a throttled bulk
halves the share of the configured maximum (actions and bytes) that the next bulk may carry, down to a floor;
every bulk answered without a 429 adds a sixteenth back, up to the configured maximum. One process sends one bulk
at a time, so smaller bulks are fewer documents in flight; across processes, the functions' reserved concurrency
caps how many bulks are in flight at once (template.yaml, docs/DEPLOY.md).
"""

from __future__ import annotations

from typing import Final

MIN_SHARE: Final = 1 / 32
INCREASE: Final = 1 / 16


class AdaptiveBulkLimit:
    def __init__(self, max_actions: int, max_bytes: int, *, min_actions: int = 50, min_bytes: int = 256 * 1024) -> None:
        if max_actions < 1 or max_bytes < 1:
            raise ValueError("bulk limits must be positive")
        self.ceiling_actions = max_actions
        self.ceiling_bytes = max_bytes
        self.min_actions = min(min_actions, max_actions)
        self.min_bytes = min(min_bytes, max_bytes)
        self.share = 1.0
        self.throttled = 0

    @property
    def max_actions(self) -> int:
        return max(self.min_actions, int(self.ceiling_actions * self.share))

    @property
    def max_bytes(self) -> int:
        return max(self.min_bytes, int(self.ceiling_bytes * self.share))

    def on_throttled(self) -> None:
        self.throttled += 1
        self.share = max(MIN_SHARE, self.share / 2)

    def on_accepted(self) -> None:
        self.share = min(1.0, self.share + INCREASE)
