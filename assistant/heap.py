"""Keep an open index out of the garbage collector's full passes.

An open snapshot holds an object per document and chunk (about 600,000 at 50,000 documents). CPython's
full collection walks every tracked object, ~0.5 s there, and one falls in whichever search or edit
happens to cross its threshold: it was a quarter of the time of deleting one document at that size.
A snapshot's objects live as long as the snapshot and hold no reference cycles (a replaced snapshot
is freed by reference counting alone, tests/test_heap.py), so once one is adopted they are moved out of
the collector's reach; later full passes walk only what requests and edits make.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what is garbage now, then freeze what is left: frozen cyclic garbage would never be freed."""
    gc.collect()
    gc.freeze()
