"""Summary statistics of a sweep (per metric per parameter point) and their Markdown/CSV files."""

from __future__ import annotations

import csv
import io as _io
import json
from pathlib import Path

import numpy as np
import xarray as xr

from nanoionic._core.units import EV
from nanoionic.distributed.spec import METRICS
from nanoionic.io import write_text_atomic

__all__ = ["PERCENTILES", "summarize", "write_summary"]

PERCENTILES = (5, 25, 75, 95)


def summarize(ds: xr.Dataset) -> list[dict]:
    """One row per parameter point and scalar metric: n, median, mean, std, σ/μ and percentiles,
    pooled over seeds and devices (NaN devices of failed tasks left out)."""
    swept = json.loads(ds.attrs.get("swept", "[]"))
    rows = []
    for p in range(ds.sizes["point"]):
        status = ds["task_status"].isel(point=p).values
        for name in ds.data_vars:
            if name == "task_status" or "read" in ds[name].dims:
                continue
            values = ds[name].isel(point=p).values.ravel()
            values = values[np.isfinite(values)]
            row = {"point": p, **{k: float(ds[k].values[p]) for k in swept}, "metric": name,
                   "unit": METRICS[name][0], "n": int(values.size),
                   "failed_tasks": int(np.sum(status == "failed")), "missing_tasks": int(np.sum(status == "missing"))}
            if values.size:
                mean, std = float(np.mean(values)), float(np.std(values, ddof=1)) if values.size > 1 else 0.0
                row.update(median=float(np.median(values)), mean=mean, std=std,
                           cv=std / abs(mean) if mean != 0 else float("nan"),
                           **{f"p{q}": float(np.percentile(values, q)) for q in PERCENTILES})
            else:
                row.update(median=np.nan, mean=np.nan, std=np.nan, cv=np.nan, **{f"p{q}": np.nan for q in PERCENTILES})
            rows.append(row)
    return rows


def _columns(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    fixed = ["point", "metric", "unit", "n", "median", "mean", "std", "cv"] + [f"p{q}" for q in PERCENTILES] + [
        "failed_tasks", "missing_tasks"]
    params = [k for k in rows[0] if k not in fixed]
    return ["point", *params] + fixed[1:]


def summary_markdown(rows: list[dict], failed: list[dict], *, title: str = "Sweep summary",
                     units: dict[str, str] | None = None) -> str:
    """The summary as a Markdown table, followed by the failed tasks with their parameters."""
    units = units or {}
    cols = _columns(rows)
    head = [f"{c} [{units[c]}]" if units.get(c) not in (None, "", "1", "J") else ("σ/μ" if c == "cv" else c) for c in cols]
    lines = [f"# {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = [_fmt(r[c] / EV) + " eV" if units.get(c) == "J" else _fmt(r[c]) for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"Statistics pool every device of every seed at a point; σ/μ = sample standard deviation / mean; "
              f"p5…p95 are percentiles. Units: the metric's unit column ({', '.join(f'{k} [{v[0]}]' for k, v in METRICS.items())})."]
    if failed:
        lines += ["", f"## Failed tasks ({len(failed)})", "", "| task | point | seed | chunk | parameters | error |",
                  "|---|---|---|---|---|---|"]
        for rec in failed:
            t = rec.get("task", {})
            params = ", ".join(f"{k} = {v:.6g}" for k, v in rec.get("params", {}).items())
            error = str(rec.get("error", "")).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {t.get('id')} | {t.get('point')} | {t.get('seed')} | {t.get('chunk')} | {params} | {error} |")
    return "\n".join(lines) + "\n"


def summary_csv(rows: list[dict]) -> str:
    cols = _columns(rows)
    buf = _io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for r in rows:
        writer.writerow([repr(r[c]) if isinstance(r[c], float) else r[c] for c in cols])
    return buf.getvalue()


def _fmt(value) -> str:
    if isinstance(value, float):
        return "nan" if not np.isfinite(value) else f"{value:.4g}"
    return str(value)


def write_summary(rows: list[dict], failed: list[dict], out_dir, *, title: str = "Sweep summary",
                  units: dict[str, str] | None = None) -> list[Path]:
    """Write summary.md and summary.csv (and failed_tasks.json) into ``out_dir``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [write_text_atomic(out / "summary.md", summary_markdown(rows, failed, title=title, units=units)),
             write_text_atomic(out / "summary.csv", summary_csv(rows))]
    paths.append(write_text_atomic(out / "failed_tasks.json", json.dumps(failed, indent=1, default=str) + "\n"))
    return paths
