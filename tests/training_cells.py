"""Which notebook cells depend on training, and whether a fresh run proves it.

A cell whose output depends on training carries the tag :data:`TRAINING_TAG` (and
``nbval-ignore-output``). Run with ``KLCOURSE_TRAIN_SEED`` shifted, such a cell must
produce a different output; the root conftest.py fails it otherwise.
"""

from __future__ import annotations

import os

TRAINING_TAG = "training"


def seed_shifted() -> bool:
    """True when KLCOURSE_TRAIN_SEED asks for seeds other than the book's."""
    return os.environ.get("KLCOURSE_TRAIN_SEED", "0").strip() not in ("", "0")


def comparable(outputs) -> list[dict]:
    """Outputs as nbval compares them (streams merged), images included, metadata dropped."""
    from nbval.plugin import coalesce_streams

    keep = []
    for out in coalesce_streams(list(outputs)):
        out = dict(out)
        out.pop("metadata", None)
        out.pop("execution_count", None)
        keep.append(out)
    return keep


def declared_but_unchanged(cell, fresh_outputs) -> bool:
    """A cell tagged as training-dependent whose fresh output equals the stored one."""
    tags = cell.get("metadata", {}).get("tags", [])
    return TRAINING_TAG in tags and comparable(fresh_outputs) == comparable(cell.get("outputs", []))
