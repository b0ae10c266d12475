"""Keep the garbage collector's full passes short in serving processes.

After startup a worker holds ~200,000 long-lived objects (modules, the app, routes, SQLAlchemy
metadata). Every full (generation 2) collection walked all of them: ~110 ms with the process frozen,
which showed up as the p99 of every endpoint (docs/PERFORMANCE.md). Moving them to the permanent
generation once, when startup is done, makes those passes ~1 ms; they still live for the whole
process anyway.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_objects() -> None:
    """Collect startup garbage, then exempt every surviving object from future collections.

    Once per process: a second app started in the same process (tests) freezes nothing more.
    """
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
