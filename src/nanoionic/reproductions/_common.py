"""Shared by the reproductions: the result container, target files and the comparison rows."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TARGETS_DIR = Path(__file__).parent / "targets"


@dataclass
class Reproduction:
    """Metrics (JSON-ready), datasets for the figures, and the comparison rows."""

    metrics: dict
    data: dict = field(default_factory=dict)
    comparison: list[dict] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)


def monotonic(values, direction: int) -> bool:
    """True if ``values`` strictly rise (direction +1) or fall (-1) at every step."""
    return bool(np.all(direction * np.diff(values) > 0))


def load_targets(name: str) -> list[dict]:
    """The [[target]] entries of ``targets/<name>.toml``."""
    with open(TARGETS_DIR / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)["target"]


def metric(metrics: dict, quantity: str):
    """A metric by key; dotted keys reach into nested dicts ("case2.word_final_uS")."""
    value = metrics
    for key in quantity.split("."):
        value = value[key]
    return value


def compare(metrics: dict, targets: list[dict]) -> list[dict]:
    """Rows: id, quantity, paper, simulated, relative error, allowed, pass."""
    rows = []
    for t in targets:
        sim = metric(metrics, t["quantity"])
        err = (sim - t["paper"]) / abs(t["paper"])
        if "rel_tol" in t:
            ok, allowed = abs(err) <= t["rel_tol"], f"±{t['rel_tol']:.0%}"
        else:
            ok, allowed = t["low"] <= sim <= t["high"], f"[{t['low']:g}, {t['high']:g}]"
        rows.append({"id": t["id"], "quantity": t["quantity"], "unit": t["unit"], "paper": t["paper"],
                     "role": t.get("role", "predicted"),
                     "simulated": sim, "rel_error": err, "allowed": allowed, "pass": bool(ok),
                     "source": t["source"]})
    return rows
