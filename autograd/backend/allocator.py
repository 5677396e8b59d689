"""Freed array memory stays in the process, for the next training step's arrays (glibc only).

A training step allocates and frees the same large arrays every step: a conv layer's im2col
columns, its output, their gradients. glibc's malloc by default returns such memory to the
system: arrays from 128 KiB up are mapped and unmapped one by one, and a freed stretch at the
heap's top is handed back, so the next step faults every page in again. LeNet-5's step of
bench/conv.py (batch 64) took 19-24 ms so and 9.7-11.9 ms with freed memory kept, torch's 5.4-7.5
ms either way. Arrays up to MMAP_THRESHOLD then come from the heap, and up to TRIM_THRESHOLD of
freed heap stays in the process. It is set when the first Tensor op chooses its kernels, so a
program of Values alone keeps glibc's defaults; TRACEGRAD_KEEP_FREED_MEMORY=0 keeps them too.
"""

import ctypes
import functools
import os

MMAP_THRESHOLD = 64 << 20  # bytes: arrays up to this size come from the heap
TRIM_THRESHOLD = 256 << 20  # bytes of freed heap kept before glibc returns any to the system
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)


@functools.cache  # once per process: the backend calls it whenever it switches kernels
def keep_freed_memory() -> str:
    """Set glibc's thresholds (above) unless TRACEGRAD_KEEP_FREED_MEMORY=0; say what was done."""
    setting = os.environ.get("TRACEGRAD_KEEP_FREED_MEMORY", "1")
    if setting not in ("0", "1"):
        raise ValueError(f'TRACEGRAD_KEEP_FREED_MEMORY must be "0" or "1", got {setting!r}')
    if setting == "0":
        return "allocator defaults (TRACEGRAD_KEEP_FREED_MEMORY=0)"
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own symbols, the C library's among them
    except (OSError, AttributeError, TypeError):  # no such symbol (not glibc), or not POSIX
        return "allocator defaults (not glibc)"
    if mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD):
        return "freed memory kept (glibc)"
    return "allocator defaults (mallopt refused)"
