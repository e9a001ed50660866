"""Reports: run a reproduction, write metrics.json, the comparison table (Markdown) and its figures
into a directory; write a fit's outputs (TOML, JSON, summary, traces, figures) into a directory.
Tables are also returned for printing."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from nanoionic._core.errors import param_error, unknown_name_error
from nanoionic._core.units import EV
from nanoionic.io import atomic_path, json_safe, write_json_atomic, write_text_atomic
from nanoionic.plotting import cross_validation_figures, file_stems, fit_figures
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
    lines += cross_validation_markdown(rep.metrics.get("cross_validation") or [])
    lines += parameter_markdown(rep.metrics.get("parameters") or [])
    return "\n".join(lines) + "\n"


def cross_validation_markdown(rows: list[dict]) -> list[str]:
    """Lines of the cross-validation table: each group left out of a refit, predicted by it."""
    if not rows:
        return []
    lines = ["", "## Cross-validation: each group of targets left out of the fit and predicted", "",
             "| group left out | quantity | paper | predicted | error | within tolerance |", "|---|---|---|---|---|---|"]
    for r in rows:
        paper = _target_text(r["target"])
        error = "" if r["error"] is None else f"{r['error']:+.1%}"
        lines.append(f"| {r['group']} | {r['quantity']} | {paper} | {r['predicted']:.4g} | {error} | "
                     f"{'yes' if r['within'] else 'no'} |")
    return lines


def _target_text(target) -> str:
    """A target value, or a bound [low, high] as "≥ low", "≤ high" or "low .. high"."""
    if not isinstance(target, list):
        return f"{target:g}"
    low, high = (None if t is None or not math.isfinite(t) else t for t in target)
    if low is None:
        return f"≤ {high:g}"
    return f"≥ {low:g}" if high is None else f"{low:g} .. {high:g}"


def standard_error_text(se: float | None, unit: str = "") -> str:
    """A standard error for people: blank when none, "not determined" when infinite, energies
    [J] in eV."""
    if se is None:
        return ""
    if not math.isfinite(se):
        return "not determined"
    return f"{se / EV:.3g} eV" if unit == "J" else f"{se:.3g}"


def parameter_markdown(rows: list[dict]) -> list[str]:
    """Lines of the parameter table: value, standard error and where each value comes from."""
    if not rows:
        return []
    lines = ["", "## Parameters", "", "| parameter | value | standard error | unit | provenance |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['value']:.6g} | {standard_error_text(r['standard_error'])} | {r['unit']} | "
                     f"{_cell(r['provenance'])} |")
    return lines


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
    paths.append(write_json_atomic(out / "metrics.json", json_safe(metrics)))
    paths.append(write_text_atomic(out / "comparison.md", comparison_markdown(rep, title)))
    return rep, paths


# ------------------------------------------------------------------------------------- fits


def _trace_record(t, file: str, predicted: bool) -> dict:
    m = t.measurement
    return {"name": t.name, "role": "predicted (held out)" if predicted else "fitted", "source": m.source,
            "sha256": m.sha256, "samples": m.n_samples, "nrms": t.nrms, "log_rms": t.log_rms, "floor_A": t.floor,
            "file": file}


def fit_record(result, cross_validation=None) -> dict:
    """What ``fit.json`` holds: values, standard errors, units, correlation, identifiability,
    NRMS of each trace (fitted and held out), budget used and convergence. Numbers that are not
    finite (an undetermined parameter's standard error, no compliance) are None (null)."""
    ident = result.identifiability
    units = result.units
    params = {}
    for p in result.free:
        v, se = result.values[p.name], result.standard_errors[p.name]
        params[p.name] = {"value": v, "standard_error": se, "relative_standard_error": se / abs(v) if v else None,
                          "unit": units[p.name], "low": p.low, "high": p.high, "scale": p.scale,
                          "determined": p.name not in ident.undetermined}
    fitted = file_stems(t.name for t in result.traces)
    held = file_stems(t.name for t in result.holdout)
    record = {
        "device": result.device.name, "model": result.device.model.name,
        "converged": result.converged, "message": result.message,
        "loss": result.loss, "method": result.method, "seed": result.seed,
        "simulations": result.n_simulations, "wall_time_s": result.wall_time, "cost": result.cost,
        "parameters": params,
        "correlation": {"names": result.names, "matrix": result.correlation},
        "identifiability": {"ok": ident.ok, "undetermined": ident.undetermined, "directions": ident.directions,
                            "correlated": [{"a": a, "b": b, "rho": rho} for a, b, rho in ident.correlated],
                            "singular_values": ident.singular_values, "description": ident.describe()},
        "nuisance": result.nuisance,
        "warnings": result.warnings, "resolution_error": result.resolution_error,
        "nrms": result.nrms, "holdout_nrms": result.holdout_nrms,
        "traces": [_trace_record(t, f"fitted_{s}.csv", False) for t, s in zip(result.traces, fitted)],
        "holdout": [_trace_record(t, f"predicted_{s}.csv", True) for t, s in zip(result.holdout, held)],
        "cross_validation": cross_validation.table() if cross_validation is not None else None,
        "null_means": "not a finite number: an undetermined standard error (infinite) or no compliance (infinite)",
    }
    return json_safe(record)


def write_trace_csv(trace, path) -> Path:
    """One trace of a fit as CSV, atomically: time [s], voltage [V], measured current [A],
    simulated current [A] (and weight, if any); ``data.read_csv_trace(path, current="measured
    current")`` reads the measurement back."""
    m = trace.measurement
    columns = [m.time, m.voltage, m.current, np.asarray(trace.simulated, dtype=float)]
    header = "time [s],voltage [V],measured current [A],simulated current [A]"
    if m.weight is not None:
        columns.append(m.weight)
        header += ",weight [1]"
    notes = [f"# {k}: {' '.join(str(getattr(m, k)).split())}" for k in ("name", "source", "sha256") if getattr(m, k)]
    lines = ["# nanoionic fit: measured current and the model's with the fitted values", *notes,
             f"# nrms: {trace.nrms!r}", f"# interpolation: {m.interpolation}", header]
    lines += [",".join(map(repr, row)) for row in zip(*(c.tolist() for c in columns))]
    with atomic_path(path, owner="write_trace_csv") as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def write_fit(result, out_dir, *, profiles: bool = False, cross_validation=None) -> list[Path]:
    """Write a fit (``fit.FitResult``) into ``out_dir`` (created if missing), each file atomically:
    ``fit.toml`` (the fitted parameter set), ``fit.json`` (:func:`fit_record`), ``summary.txt``,
    ``fitted_<trace>.csv`` / ``predicted_<trace>.csv`` (held out) and the figures
    (``plotting.fit_figures``; the cost profiles with ``profiles``, which costs simulations;
    ``plotting.cross_validation_figures`` with a ``cross_validation``). ``fit.json`` is written
    last. Returns the written paths."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise param_error("out", "fit", "a directory that can be created and written", str(out_dir)) from exc
    paths = [result.to_toml(out / "fit.toml")]
    for t, stem in zip(result.traces, file_stems(t.name for t in result.traces)):
        paths.append(write_trace_csv(t, out / f"fitted_{stem}.csv"))
    for t, stem in zip(result.holdout, file_stems(t.name for t in result.holdout)):
        paths.append(write_trace_csv(t, out / f"predicted_{stem}.csv"))
    summary = result.summary()
    if cross_validation is not None:
        summary += "\n\nleave-one-out cross-validation (each trace predicted by a fit to the others)\n"
        summary += cross_validation.summary()
    paths.append(write_text_atomic(out / "summary.txt", summary + "\n"))
    paths += fit_figures(result, out, profiles=profiles)
    if cross_validation is not None:
        paths += cross_validation_figures(cross_validation, out)
    paths.append(write_json_atomic(out / "fit.json", fit_record(result, cross_validation)))
    return paths
