"""Process-level tuning for serving processes."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Move everything allocated at start-up (modules, app, OpenAPI spec) out of the GC's
    reach. Without it, each full collection walks those objects again and a list request
    that allocates a few thousand objects pays a 20-60 ms pause at p95 (measured at
    province scale; see benchmarks/registry_core.py). Call once, just before serving."""
    gc.collect()
    gc.freeze()
