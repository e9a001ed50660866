"""Reproduction reports: run a reproduction, write metrics.json, the comparison table (Markdown)
and its figures into a directory. Tables are also returned for printing."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from nanoionic._core.errors import param_error, unknown_name_error
from nanoionic.io import write_json_atomic, write_text_atomic
from nanoionic.plotting import review_filaments_figures, review_synapses_figures, svdp_device_figures, svdp_digits_figures, svdp_filter_figures
from nanoionic.reproductions import review_filaments, review_synapses, svdp_device, svdp_digits, svdp_filter
from nanoionic.simulation import Device

# name: (run(progress) -> Reproduction, figures(rep, out_dir) -> paths, title, progress steps)
REPRODUCTIONS = {
    "svdp-device": (svdp_device.run, svdp_device_figures, "SVDP paper Fig. 2 and S1-S9 (ZnTPP/AlOx device)",
                    svdp_device.STEPS),
    "svdp-filter": (svdp_filter.run, svdp_filter_figures,
                    "SVDP paper Fig. 4 and S10-S12 (8x8 'Hi' filter) + sneak paths", svdp_filter.STEPS),
    "svdp-digits": (svdp_digits.run, svdp_digits_figures,
                    "Beyond the paper: SVDP array vs decay-only vs integrator on noisy sklearn digits", svdp_digits.STEPS),
    "review-synapses": (review_synapses.run, review_synapses_figures,
                        "Review Sec. 3: STM/LTM, PPF, SRDP, STDP from device models", review_synapses.STEPS),
    **{f"review-{part}": (partial(review_synapses.run, parts=(part,)), review_synapses_figures,
                          f"Review Sec. 3: {part.upper() if part != 'retention' else 'STM/LTM retention'}",
                          review_synapses.STEPS) for part in review_synapses.PARTS},
    "review-filaments": (review_filaments.run, review_filaments_figures,
                         "Review Sec. 2, 4, 5: ECM vs VCM, threshold switching, quantised contacts, variability, 1S1R",
                         review_filaments.STEPS),
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


DEVICE_REPRODUCTIONS = ("svdp-device", "svdp-filter", "svdp-digits")
"""Reproductions that accept another SVDP device preset (e.g. "NiTPP/AlOx")."""


def write_reproduction(name: str, out_dir, progress: Callable[[str], None] | None = None,
                       device: str | None = None):
    """Run reproduction ``name`` and write its outputs into ``out_dir`` (created if missing).

    ``device``: a preset to run instead of the default ZnTPP/AlOx (SVDP reproductions only).
    Returns (reproduction, written paths).
    """
    if name not in REPRODUCTIONS:
        raise unknown_name_error("reproduction", name, REPRODUCTIONS)
    if device is not None and name not in DEVICE_REPRODUCTIONS:
        raise param_error("device", "reproduce", f"omitted, or used with one of {', '.join(DEVICE_REPRODUCTIONS)}", name)
    dev = Device(device) if device is not None else None
    if dev is not None and dev.model.name != "interface-hopping":
        raise param_error("device", "reproduce", "an SVDP (interface-hopping) preset such as NiTPP/AlOx",
                          f"{device} (model {dev.model.name!r})")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise param_error("out", "reproduce", "a directory that can be created and written", str(out_dir)) from exc
    run, figures, title, _ = REPRODUCTIONS[name]
    rep = run(progress, device=dev) if dev is not None else run(progress)
    if dev is not None:
        title = f"{title} [device {device}]"
    paths = figures(rep, out)
    for key, text in rep.data.get("protocols", {}).items():  # the protocols beside the figures
        (out / "protocols").mkdir(exist_ok=True)
        paths.append(write_text_atomic(out / "protocols" / f"{key}.txt", text + "\n"))
    # the metrics at the top level (e.g. metrics.json["case2"]["word_final_uS"]), then the tables
    metrics = {"reproduction": name, **rep.metrics, "comparison": rep.comparison, "claims": rep.checks}
    paths.append(write_json_atomic(out / "metrics.json", metrics))
    paths.append(write_text_atomic(out / "comparison.md", comparison_markdown(rep, title)))
    return rep, paths
