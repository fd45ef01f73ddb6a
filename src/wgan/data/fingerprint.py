"""What a run read: a fingerprint of its data, and the one line that says how data differs from it.

A fingerprint is plain data (JSON): the source as named and as resolved, the kind of data,
the shape of one example, how many training and held-out examples there were, the class
names, and SHA-256 digests of the training and held-out arrays (with their labels), so that
a held-out split that now holds other examples is seen even when the counts agree.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

FINGERPRINT_VERSION = 1


def _digest(*arrays: np.ndarray | None) -> str:
    """SHA-256 of the arrays' dtypes, shapes and bytes. Rows of a picture cache entry
    (`wgan.data.rows.Rows` with an identity) are hashed once; later starts read the digest
    kept beside the entry, named by the entry, the rows and the other arrays."""
    rows = arrays[0]
    if getattr(rows, "identity", ""):
        from .picture_cache import remembered_digest

        name = hashlib.sha256(f"{rows.identity}{FINGERPRINT_VERSION}".encode())
        name.update(rows.index.tobytes())
        for array in arrays[1:]:
            if array is not None:
                name.update(f"{array.dtype.str}{array.shape}".encode() + np.ascontiguousarray(array).tobytes())
        return remembered_digest(name.hexdigest(), lambda: _hashed(arrays))
    return _hashed(arrays)


def _hashed(arrays) -> str:
    h = hashlib.sha256()
    for array in arrays:
        if array is None:
            continue
        h.update(f"{array.dtype.str}{tuple(array.shape)}".encode())
        # a split of a memory-mapped folder (wgan.data.rows.Rows) is read chunk by chunk
        for chunk in array.chunks() if hasattr(array, "chunks") else (np.ascontiguousarray(array),):
            h.update(np.ascontiguousarray(chunk).data)
    return h.hexdigest()


def kind_of(data) -> str:
    """'distribution' (toy: no finite set), 'images' or 'points'."""
    if not hasattr(data, "holdout"):
        return "distribution"
    return "images" if len(data.shape) == 3 else "points"


def fingerprint(data, source: str) -> dict[str, Any]:
    """The fingerprint of `data` (raw, in the data's own units) read from `source` (config.data.name)."""
    path = Path(source)
    record: dict[str, Any] = {"version": FINGERPRINT_VERSION, "source": source,
                              "path": str(path.resolve()) if path.exists() else None,
                              "kind": kind_of(data), "shape": [int(s) for s in data.shape]}
    if record["kind"] == "distribution":
        return record
    record.update(train=int(len(data.train)), heldout=int(len(data.holdout)),
                  classes=list(getattr(data, "classes", ())),
                  train_sha256=_digest(data.train, getattr(data, "train_labels", None)),
                  heldout_sha256=_digest(data.holdout, getattr(data, "holdout_labels", None)))
    return record


def data_changes(then: dict[str, Any], now: dict[str, Any], conditional: bool) -> tuple[str | None, bool]:
    """(one line on how the data `now` differs from what the run read `then`, or None;
    whether the run's networks cannot work on it: another example shape, or other classes
    for a conditional run)."""
    noun = {"images": "images", "points": "points"}.get(now["kind"], "examples")
    if then.get("kind") != now["kind"] or list(then.get("shape", [])) != now["shape"]:
        return (f"data: the run read {then.get('kind')} of shape {tuple(then.get('shape', ()))} from "
                f"{then.get('source')!r}, but {now['source']!r} now gives {now['kind']} of shape "
                f"{tuple(now['shape'])}", True)
    if now["kind"] == "distribution":
        return None, False
    parts = []
    if list(then.get("classes", [])) != now["classes"]:
        added = [c for c in now["classes"] if c not in then.get("classes", [])]
        removed = [c for c in then.get("classes", []) if c not in now["classes"]]
        change = ", ".join(([f"class {', '.join(added)} added"] if added else [])
                           + ([f"class {', '.join(removed)} removed"] if removed else [])) or "classes reordered"
        parts.append(f"{change} since the run started ({len(then.get('classes', []))} classes, now "
                     f"{len(now['classes'])})")
        if conditional:  # the one change said: the run's class layers cannot take it
            return f"data: {parts[0]}, and the run's networks are class-conditional", True
    count_then, count_now = then.get("train", 0) + then.get("heldout", 0), now["train"] + now["heldout"]
    if count_now != count_then:
        more = count_now - count_then
        parts.append(f"{abs(more)} {noun} {'added' if more > 0 else 'removed'} since the run started "
                     f"({count_then}, now {count_now})")
    if then.get("heldout_sha256") != now["heldout_sha256"]:
        parts.append(f"the held-out split differs, so W1 is measured against other {noun}")
    elif then.get("train_sha256") != now["train_sha256"] and count_now == count_then:
        parts.append(f"the training {noun} differ from those the run started with")
    if not parts:
        return None, False
    where = (f" (read from {now['path']}; the run read {then.get('path')})"
             if then.get("path") and now["path"] and then.get("path") != now["path"] else "")
    return "data: " + "; ".join(parts) + where, False
