"""What a function does first and last while Lambda imports its handler module (its cold start).

Each service package's `__init__` (and the docs handler) calls `begin()` before it imports anything else;
`lambda_handler` (and the moderation job) call `end()` once the handler exists. Measured in the README's Benchmarks
section.

The cyclic garbage collector is paused in between. Importing boto3, pydantic and Powertools allocates hundreds
of thousands of long-lived objects (modules, classes, functions) and next to no cyclic garbage, yet each time the
tracked objects grow by a quarter CPython walks all of them in a full collection. `end()` moves everything the
init built into the permanent generation (`gc.freeze()`), so later collections never walk it again either, and
switches the collector back on. Nothing is freed later than it would have been, except cyclic garbage made
during the import, of which there is next to none.
"""

from __future__ import annotations

import gc

_paused = False


def begin() -> None:
 """Pause the cyclic garbage collector until `end()` (left alone if something else already switched it off)."""
 global _paused  # noqa: PLW0603 - one flag per process, like the collector it describes
 if gc.isenabled():
     gc.disable()
     _paused = True


def end() -> None:
 """Freeze what the init built and switch the collector back on, if `begin()` paused it."""
 global _paused  # noqa: PLW0603
 if _paused:
     _paused = False
     gc.freeze()
     gc.enable()
