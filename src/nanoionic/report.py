"""Reproduction reports: run a reproduction, write metrics.json, the comparison table (Markdown)
and its figures into a directory. Tables are also returned for printing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nanoionic._core.errors import param_error, unknown_name_error
from nanoionic.io import write_json_atomic, write_text_atomic
from nanoionic.plotting import svdp_device_figures, svdp_digits_figures, svdp_filter_figures
from nanoionic.reproductions import svdp_device, svdp_digits, svdp_filter

REPRODUCTIONS = {
    "svdp-device": (svdp_device, svdp_device_figures, "SVDP paper Fig. 2 and S1-S9 (ZnTPP/AlOx device)"),
    "svdp-filter": (svdp_filter, svdp_filter_figures, "SVDP paper Fig. 4 and S10-S12 (8x8 'Hi' filter) + sneak paths"),
    "svdp-digits": (svdp_digits, svdp_digits_figures, "Beyond the paper: SVDP array vs decay-only vs integrator on noisy sklearn digits"),
}


def reproduction_names() -> dict[str, str]:
    """Reproduction names and what they reproduce."""
    return {k: v[2] for k, v in REPRODUCTIONS.items()}


def comparison_markdown(rep, title: str) -> str:
    """The simulated-vs-paper table and the claims table as Markdown."""
    lines = [f"# {title}", "", "\"fitted\": the number or trend was a calibration target; \"predicted\": it was not.",
             "", "## Simulated vs paper", "",
             "| id | quantity | paper | simulated | rel. error | allowed | pass | role |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rep.comparison:
        lines.append(f"| {r['id']} | {r['quantity']} | {r['paper']:g} {r['unit']} | {r['simulated']:.4g} {r['unit']} | "
                     f"{r['rel_error']:+.1%} | {r['allowed']} | {'PASS' if r['pass'] else 'FAIL'} | {r['role']} |")
    lines += ["", "## Claims", "", "| id | claim | result | number | role |", "|---|---|---|---|---|"]
    for c in rep.checks:
        lines.append(f"| {c['id']} | {_cell(c['claim'])} | {'PASS' if c['pass'] else 'FAIL'} | {_cell(c['value'])} | {c['role']} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Markdown table cell text: pipes escaped."""
    return str(text).replace("|", "\\|")


def write_reproduction(name: str, out_dir, progress: Callable[[str], None] | None = None):
    """Run reproduction ``name`` and write its outputs into ``out_dir`` (created if missing).

    Returns (reproduction, written paths).
    """
    if name not in REPRODUCTIONS:
        raise unknown_name_error("reproduction", name, REPRODUCTIONS)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise param_error("out", "reproduce", "a directory that can be created and written", str(out_dir)) from exc
    module, figures, title = REPRODUCTIONS[name]
    rep = module.run(progress)
    paths = figures(rep, out)
    # the metrics at the top level (e.g. metrics.json["case2"]["word_final_uS"]), then the tables
    metrics = {"reproduction": name, **rep.metrics, "comparison": rep.comparison, "claims": rep.checks}
    paths.append(write_json_atomic(out / "metrics.json", metrics))
    paths.append(write_text_atomic(out / "comparison.md", comparison_markdown(rep, title)))
    return rep, paths
