"""Per-device metrics of a sweep task, computed from a Result dataset (``simulate``'s output).

The names, units and meanings are listed in ``spec.METRICS``; every metric is an array with a
trailing ``device`` axis (``read_conductance`` is ``(read, device)``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from nanoionic.distributed.spec import METRICS

__all__ = ["compute_metrics"]


def compute_metrics(result: xr.Dataset, names) -> dict[str, np.ndarray]:
    """{metric name: float64 array} for the devices of ``result`` (dims ``time`` × ``device``)."""
    out = {}
    reads = np.flatnonzero(result["is_read"].values)
    g = result["conductance"].values  # (time, device)
    for name in names:
        if name not in METRICS:  # the spec checked the names; this guards direct calls
            raise KeyError(name)
        if METRICS[name][2] and reads.size == 0:
            raise ValueError(f"metric {name!r} needs a read segment in the protocol")
        if name == "final_conductance":
            out[name] = g[reads[-1]]
        elif name == "first_conductance":
            out[name] = g[reads[0]]
        elif name == "conductance_ratio":
            out[name] = g[reads[-1]] / g[reads[0]]
        elif name == "conductance_change":
            out[name] = g[reads[-1]] - g[reads[0]]
        elif name == "read_conductance":
            out[name] = g[reads]
        elif name == "max_current":
            out[name] = np.max(np.abs(result["current"].values), axis=0)
    return {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in out.items()}
