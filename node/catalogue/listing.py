"""The public list of this institution's catalogue, built once per change.

Every member's sync round asks each member for its list (``/api/catalogue?view=index``)
with the ETag of the last answer. Building the list — every entry with its versions, then
the JCS digest that is its ETag — takes about a second at 2,000 entries; answering "304,
unchanged" should not. :meth:`Catalogue.fingerprint` sums up, in one aggregate query,
everything the public list shows (which versions are published or withdrawn and when,
their anchors' states); :class:`Listings` keeps the last list built for each fingerprint
and view, so an unchanged list costs that one query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

Tagged = tuple[str, dict[str, Any]]  # (ETag, the list's JSON form)

_KEPT = 8  # lists per process: a view or two, each at its current fingerprint


class Listings:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: OrderedDict[Hashable, Tagged] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Tagged]) -> Tagged:
        """The list and its ETag for ``key`` (a fingerprint and a view), built by ``build``
        if new."""
        with self._lock:
            if key in self._built:
                self._built.move_to_end(key)
                return self._built[key]
        built = build()  # outside the lock: two first requests may both build, same result
        with self._lock:
            self._built[key] = built
            while len(self._built) > _KEPT:
                self._built.popitem(last=False)
        return built
