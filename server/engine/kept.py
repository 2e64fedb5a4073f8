"""Values computed per text and kept for later calls, least recently used dropped first.

Why one class: the ranker keeps two things per sentence — its passage vector with its token states
(~30 kB) and its vector as a query (``evidence.restating``, 1.5 kB) — and both must stay within a
byte budget, be shared by the server's worker threads, and compute only what they lack, once per
call, outside the lock (a model pass must not block the other threads' look-ups).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """A least-recently-used store of ``V`` by text within ``max_bytes`` (``size`` of each value;
    the last value kept stays, however large)."""

    def __init__(self, max_bytes: int, size: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self._size = size
        self._values: OrderedDict[str, V] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, texts: Sequence[str], compute: Callable[[list[str]], Sequence[V]]) -> list[V]:
        """The value of each of ``texts``, in order: kept ones reused, the others computed in one
        call of ``compute`` (each text once) and kept."""
        with self._lock:
            # taken now: another thread may evict them before this call returns
            found = {t: self._values[t] for t in texts if t in self._values}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        computed = dict(zip(missing, compute(missing), strict=True)) if missing else {}
        found.update(computed)
        with self._lock:
            for text, value in computed.items():
                if text not in self._values:
                    self._values[text] = value
                    self._bytes += self._size(value)
            for text in texts:
                if text in self._values:
                    self._values.move_to_end(text)
            while self._bytes > self.max_bytes and len(self._values) > 1:
                _, evicted = self._values.popitem(last=False)
                self._bytes -= self._size(evicted)
        return [found[t] for t in texts]

    def __len__(self) -> int:
        return len(self._values)
