"""Array helpers shared by the detection steps. Pure functions; no database."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def distinct(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The sorted distinct values, as `np.unique` gives them.

    By sorting: numpy 2's `np.unique` hashes integer arrays first, and on a few million
    int64 codes that measured about 100 times slower than one sort (6 s against 0.06 s)."""
    out = np.sort(np.asarray(values))
    if len(out) < 2:
        return out
    keep = np.empty(len(out), dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]
