"""Thread use of the compiled (numba) kernels.

A parallel kernel launched on a few hundred items spends its time waking and joining threads,
and when another process holds a core it waits for a descheduled thread (measured here: 8 ms
per call instead of 20 µs for an 8×8 array). Small jobs therefore run on one thread.
"""

from __future__ import annotations

from contextlib import contextmanager

try:
    import numba
except ImportError:  # pragma: no cover - numba is a pinned dependency
    numba = None

SERIAL_BELOW = 1 << 16
"""Work items (devices × maps, or matrices) below which a kernel runs on one thread."""


@contextmanager
def threads_for(work: int):
    """Run the enclosed numba kernel on one thread when ``work`` < SERIAL_BELOW."""
    if numba is None or work >= SERIAL_BELOW or numba.get_num_threads() == 1:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)
