"""Named fault points: make a process exit hard at an exact step, for crash tests.

``CREDREG_FAULT=<name>`` (read when the point is reached, not at import) makes
:func:`point` end the process at once with ``os._exit`` — no cleanup, no flush, like a
power cut — so tests crash a worker between two steps instead of racing it with sleeps.
"""

from __future__ import annotations

import os
import sys

FAULT_EXIT_CODE = 86


def point(name: str) -> None:
    if os.environ.get("CREDREG_FAULT") == name:
        sys.stderr.write(f"fault point {name}: exiting hard\n")
        sys.stderr.flush()
        os._exit(FAULT_EXIT_CODE)
