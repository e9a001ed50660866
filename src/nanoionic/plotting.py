"""Figures from results; no computation beyond selecting what to draw.

Every function takes data already computed (xarray results, metric dicts) and writes PNG and SVG
files atomically into a directory, returning the written paths.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nanoionic.io import atomic_path  # noqa: E402


def save_figure(fig, out_dir: Path, stem: str) -> list[Path]:
    """Write ``fig`` as PNG and SVG atomically; close it."""
    paths = []
    for suffix in (".png", ".svg"):
        target = Path(out_dir) / f"{stem}{suffix}"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, dpi=150, bbox_inches="tight")
        paths.append(target)
    plt.close(fig)
    return paths


def iv_axes(ax, res, *, log: bool = False, cycles=None, cmap="viridis", label=None):
    """Draw I–V of a result, one colour per repeat cycle (log: |I|)."""
    v, i = res["voltage"].values, res["current"].values * 1e6
    cyc = res["cycle"].values if cycles is None else cycles
    ids = np.unique(cyc)
    colours = plt.get_cmap(cmap)(np.linspace(0, 1, max(len(ids), 2)))
    for k, c in enumerate(ids):
        sel = cyc == c
        y = np.abs(i[sel]) if log else i[sel]
        ax.plot(v[sel], y, color=colours[k], lw=1.2, label=label if k == 0 else None)
    ax.set_xlabel("Voltage (V)")
    ax.set_ylabel("|Current| (µA)" if log else "Current (µA)")
    if log:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)


def svdp_device_figures(rep, out_dir: Path) -> list[Path]:
    """Figures of the Fig. 2 reproduction (``reproductions.svdp_device.Reproduction``)."""
    out_dir = Path(out_dir)
    m, d = rep.metrics, rep.data
    paths = []

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    iv_axes(axes[0], d["s1"], cycles=np.zeros(d["s1"].sizes["time"]))
    iv_axes(axes[1], d["s1"], log=True, cycles=np.zeros(d["s1"].sizes["time"]))
    fig.suptitle("S1 (Fig. 2a): ±10 V sweep at 0.01 V/s, pristine ZnTPP/AlOx — pinched loop")
    paths += save_figure(fig, out_dir, "fig2a_iv_loop")

    res = d["s2s3"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    n = res.sizes["time"]
    half = np.arange(n) >= np.argmax(res["voltage"].values < 0)
    cyc = res["cycle"].values + 10 * half
    iv_axes(axes[0], res, cycles=cyc, cmap="plasma")
    iv_axes(axes[1], res, log=True, cycles=cyc, cmap="plasma")
    fig.suptitle("S2/S3 (Fig. 2b): 10 cycles 0→+10 V→0, then 10 cycles 0→−10 V→0 at 0.01 V/s")
    paths += save_figure(fig, out_dir, "fig2b_cycles")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    iv_axes(axes[0], d["s4"], cmap="cividis")
    iv_axes(axes[1], d["s4"], log=True, cmap="cividis")
    fig.suptitle("S4 (Fig. 2c): 10 cycles 0↔4 V, then 10 cycles 0↔−4 V")
    paths += save_figure(fig, out_dir, "fig2c_low_voltage")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    cycles = np.arange(1, 11)
    axes[0].plot(cycles, m["s5_potentiation_conductance_uS"], "o-", color="tab:red")
    axes[0].set_title("Potentiation: I/V at +10 V apex")
    axes[1].plot(cycles, m["s5_depression_conductance_uS"], "o-", color="tab:blue")
    axes[1].set_title("Depression: I/V at +4 V apex")
    for ax in axes:
        ax.set_xlabel("Sweep cycle")
        ax.set_ylabel("Conductance (µS)")
        ax.grid(alpha=0.3)
    fig.suptitle("S5 (Fig. 2d, e): unipolar, threshold-selected plasticity")
    paths += save_figure(fig, out_dir, "fig2de_conductance_vs_cycle")

    fig, ax = plt.subplots(figsize=(6, 4))
    s6 = d["s6"]
    ax.axhline(0, color="k", lw=0.8)
    ax.plot(s6["bias_V"], 100 * s6["response"], "o-", ms=3, label="model")
    paper = [float(k) for k in m["s6_responses"]]
    ax.plot(paper, [100 * m["s6_responses"][f"{v:g}"] for v in paper], "s", color="tab:red", label="paper's bias values")
    ax.axvspan(6, 7, color="grey", alpha=0.2, label="paper: critical 6–7 V")
    ax.axvline(m["s6_critical_voltage_V"], color="tab:green", ls="--", label=f"model: {m['s6_critical_voltage_V']:.2f} V")
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_xlabel("Stimulus voltage (V)")
    ax.set_ylabel("ΔG/G after 10 × 100 ms (%)")
    ax.legend(fontsize=8)
    ax.set_title("S6 (Fig. 2f): bias response")
    paths += save_figure(fig, out_dir, "fig2f_bias_response")

    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for col, key, label, fmt in ((0, "s7_area", "Area (µm²)", "{:g} µm²"), (1, "s7_rate", "Scan rate (V/s)", "{:g} V/s")):
        values = m["s7_area" if key == "s7_area" else "s7_scan_rate"]["values"]
        for res, val in zip(d[key], values):
            axes[0, col].plot(res["voltage"], np.abs(res["current"]) * 1e6, label=fmt.format(val))
        axes[0, col].set_yscale("log")
        axes[0, col].set_xlabel("Voltage (V)")
        axes[0, col].set_ylabel("|Current| (µA)")
        axes[0, col].legend(fontsize=8)
        mm = m["s7_area" if key == "s7_area" else "s7_scan_rate"]
        axes[1, col].loglog(values, mm["lrs_current_uA"], "o-", label="|I(+10 V)|")
        axes[1, col].loglog(values, mm["hrs_current_uA"], "s-", label="|I(−10 V)|")
        axes[1, col].loglog(values, mm["hysteresis_area_uW"], "^-", label="hysteresis area (µW)")
        axes[1, col].set_xlabel(label)
        axes[1, col].legend(fontsize=8)
        for ax in axes[:, col]:
            ax.grid(alpha=0.3)
    fig.suptitle("S7: area and scan-rate dependence (±10 V loop from a pristine device)")
    paths += save_figure(fig, out_dir, "s7_area_scan_rate")

    s8 = m["s8_metals"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for name, res in d["s8"].items():
        sweep = ~res["is_read"].values
        axes[0].plot(res["voltage"].values[sweep], np.abs(res["current"].values[sweep]) * 1e6, lw=0.8, label=name.split("/")[0])
    axes[0].set_yscale("log")
    axes[0].set_xlabel("Voltage (V)")
    axes[0].set_ylabel("|Current| (µA)")
    axes[0].legend(fontsize=8)
    axes[1].plot(s8["bond_energy_eV"], s8["initial_uS"], "o-", label="initial G (1 V read)")
    axes[1].plot(s8["bond_energy_eV"], s8["saturated_uS"], "s-", label="after 10 cycles to +10 V")
    for name, x, y in zip(s8["metal"], s8["bond_energy_eV"], s8["saturated_uS"]):
        axes[1].annotate(name.split("/")[0], (x, y), fontsize=8)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("M–O bond energy (eV)")
    axes[1].set_ylabel("Conductance (µS)")
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle("S8: metal centre (M = Zn, Ni, Co, FeCl, 2H)")
    paths += save_figure(fig, out_dir, "s8_metals")

    fig, ax = plt.subplots(figsize=(6, 4))
    inputs = np.arange(len(d["pixel"]["word"]))
    ax.plot(inputs, d["pixel"]["word"] * 1e6, "o-", ms=3, color="tab:red", label="word pixel: 10 V / 5 V inputs")
    ax.plot(inputs, d["pixel"]["noise"] * 1e6, "s-", ms=3, color="tab:blue", label="noise pixel: 6 V / 5 V inputs")
    ax.plot([0, inputs[-1]], [30.7, 66.7], "r*", ms=10, label="paper: word 30.7 → 66.7 µS (case 2)")
    ax.plot([0, inputs[-1]], [32.0, 7.4], "b*", ms=10, label="paper: noise ~32 → 7.4 µS (case 4)")
    ax.set_xlabel("Input number")
    ax.set_ylabel("Conductance read at 5 V (µS)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title("Single array pixel (same material, pixel area): SVDP")
    paths += save_figure(fig, out_dir, "pixel_response")

    fig, (ax, ax_lr) = plt.subplots(1, 2, figsize=(11, 4))
    for n, s9 in d["s9"].items():
        g = s9["conductance_S"]
        ax.semilogx(s9["read_times_s"], (g[1:] - g[0]) / (g[1] - g[0]), "o-", ms=3, label=f"{n} pulse{'s' if n > 1 else ''} of 10 V")
    ax.axhline(1.0, color="k", lw=0.6, ls=":")
    ax.set_xlabel("Time after the last pulse (s)")
    ax.set_ylabel("Share of the gain left (read at 1 V)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title("S9: short-term memory fades, repetition consolidates", fontsize=9)
    lr = d["s9_relearning"]
    t, g = lr["time_s"], lr["conductance_S"] * 1e6
    ax_lr.plot(t - t[0], g, "o-", ms=2.5)
    ax_lr.axhline(lr["learnt_S"] * 1e6, color="tab:red", lw=0.8, ls="--", label="learnt level")
    relearn = lr["relearn_pulses"]
    ax_lr.set_title(f"S9: learn ({lr['learn_pulses']} pulses), forget (60 s), relearn "
                    f"({relearn if relearn is not None else '>' + str(lr['learn_pulses'])} pulses)", fontsize=9)
    ax_lr.set_xlabel("Time (s)")
    ax_lr.set_ylabel("Conductance at 1 V (µS)")
    ax_lr.legend(fontsize=8)
    ax_lr.grid(alpha=0.3)
    paths += save_figure(fig, out_dir, "s9_memory")
    return paths


def conductance_maps(ax_row, result, inputs, *, vmin: float, vmax: float, cmap="magma"):
    """One 2-D conductance map [µS] per requested input number on the axes of ``ax_row``."""
    g = result["conductance"].values * 1e6
    label = result["input"].values
    image = None
    for ax, k in zip(ax_row, inputs):
        idx = np.flatnonzero(label == k - 1)  # the read after input k carries label k-1; input 0 = initial read
        if not idx.size:
            ax.axis("off")
            continue
        image = ax.imshow(g[idx[-1]], cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(f"input {k}", fontsize=8)
    return image


def svdp_filter_figures(rep, out_dir: Path) -> list[Path]:
    """Figures of the Fig. 4 reproduction (``reproductions.svdp_filter``)."""
    from nanoionic.reproductions.svdp_filter import MAP_INPUTS

    m, data = rep.metrics, rep.data
    cases = ("case1", "case2", "case3", "case4")
    paths = []
    vmax = max(float(data[c]["conductance"].max()) for c in cases) * 1e6
    fig, axes = plt.subplots(len(cases), len(MAP_INPUTS), figsize=(1.6 * len(MAP_INPUTS) + 1, 1.7 * len(cases)))
    for row, case in zip(axes, cases):
        image = conductance_maps(row, data[case], MAP_INPUTS, vmin=0.0, vmax=vmax)
        row[0].set_ylabel(case, fontsize=9)
    fig.colorbar(image, ax=axes, label="Conductance at 5 V read (µS)", shrink=0.8)
    fig.suptitle("SVDP filter: 8×8 conductance maps after inputs (Fig. 4b,c)")
    paths += save_figure(fig, out_dir, "fig4_conductance_maps")

    fig, (ax_g, ax_c) = plt.subplots(1, 2, figsize=(10, 3.8))
    for case, colour in zip(cases[1:], ("C0", "C1", "C2")):
        word = m[case]["word_mean_uS"]
        ax_g.plot(np.arange(len(word)), word, "-o", ms=3, color=colour, label=f"{case} word")
        if m[case]["noise_mean_uS"] is not None:
            noise = np.array(m[case]["noise_mean_uS"])
            ax_g.plot(np.arange(len(noise)), noise, "--s", ms=3, color=colour, label=f"{case} noise")
            ax_c.plot(np.arange(len(noise)), np.array(word) / noise, "-o", ms=3, color=colour, label=case)
    ax_g.set_xlabel("Input number"), ax_g.set_ylabel("Mean conductance (µS)"), ax_g.legend(fontsize=7), ax_g.grid(alpha=0.3)
    ax_c.axhline(8.0, color="k", lw=0.8, ls=":", label="paper, case 4 (~8)")
    ax_c.set_xlabel("Input number"), ax_c.set_ylabel("Contrast (word / noise)"), ax_c.legend(fontsize=7), ax_c.grid(alpha=0.3)
    paths += save_figure(fig, out_dir, "fig4_word_noise_contrast")

    sneak = m["sneak"]
    fig, ax = plt.subplots(figsize=(5, 3.8))
    for key, label in (("without_selector", "1R"), ("with_selector", "1S1R")):
        ax.semilogy(sneak["size"], [abs(d["sneak_A"]) * 1e6 for d in sneak[key]], "-o", label=f"{label}: sneak current")
        ax.semilogy(sneak["size"], [abs(d["cell_A"]) * 1e6 for d in sneak[key]], ":", label=f"{label}: selected cell")
    ax.set_xlabel("Array size N (N×N)"), ax.set_ylabel("Current (µA)")
    ax.set_title("Read of cell (0,0), other lines floating", fontsize=9)
    ax.legend(fontsize=7), ax.grid(alpha=0.3, which="both")
    paths += save_figure(fig, out_dir, "sneak_paths_selectors")
    return paths


def svdp_digits_figures(rep, out_dir: Path) -> list[Path]:
    """Figures of the digits study (``reproductions.svdp_digits``)."""
    from nanoionic.reproductions.svdp_digits import BEHAVIOURS, REGIMES

    m, data = rep.metrics, rep.data
    paths = []
    titles = {"raw_frame": "raw noisy frame", "integrator": "rate integrator", "decay_only": "decay-only array",
              "svdp": "SVDP array"}
    for regime in REGIMES:
        columns = [("clean", data["clean"])] + [(titles[b], data[regime]["maps"][b]) for b in BEHAVIOURS]
        fig, axes = plt.subplots(6, len(columns), figsize=(1.5 * len(columns), 9))
        for r in range(6):
            for c, (title, images) in enumerate(columns):
                ax = axes[r, c]
                ax.imshow(images[r], cmap="gray", vmin=0.0, vmax=max(float(images[r].max()), 1e-300))
                ax.set_xticks([]), ax.set_yticks([])
                if r == 0:
                    ax.set_title(title, fontsize=8)
        fig.suptitle(f"Digits, {regime} noise ({REGIMES[regime]:.0%} of the background per frame, {m['n_frames']} frames)",
                     fontsize=9)
        paths += save_figure(fig, out_dir, f"digits_{regime}_examples")
    fig, (ax_c, ax_a) = plt.subplots(1, 2, figsize=(10, 3.8))
    x = np.arange(len(BEHAVIOURS))
    for k, regime in enumerate(REGIMES):
        ax_c.bar(x + 0.4 * k - 0.2, [m[regime][b]["contrast"] for b in BEHAVIOURS], 0.4, label=regime)
        ax_a.bar(x + 0.4 * k - 0.2, [100 * m[regime][b]["accuracy"] for b in BEHAVIOURS], 0.4, label=regime)
    ax_a.axhline(100 * m["accuracy_clean_test"], color="k", ls=":", lw=0.8, label="clean test digits")
    for ax, label in ((ax_c, "Contrast (stroke / background)"), (ax_a, "Nearest-centroid accuracy (%)")):
        ax.set_xticks(x, [titles[b] for b in BEHAVIOURS], rotation=20, fontsize=8)
        ax.set_ylabel(label), ax.legend(fontsize=7), ax.grid(alpha=0.3, axis="y")
    paths += save_figure(fig, out_dir, "digits_contrast_accuracy")
    return paths


def filter_figure(image, frames, result, metrics, out_dir: Path) -> list[Path]:
    """Input image, one noisy frame, conductance before and after, contrast per input."""
    g = result["conductance"].values * 1e6
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.4), gridspec_kw={"width_ratios": [1, 1, 1, 1, 1.4]})
    panels = [("input image", image, "gray", None), (f"noisy frame {len(frames)}", frames[-1], "gray", None),
              ("conductance before (µS)", g[0], "magma", (0, g.max())), ("conductance after (µS)", g[-1], "magma", (0, g.max()))]
    for ax, (title, img, cmap, lims) in zip(axes, panels):
        im = ax.imshow(img, cmap=cmap, vmin=None if lims is None else lims[0], vmax=None if lims is None else lims[1])
        ax.set_title(title, fontsize=9), ax.set_xticks([]), ax.set_yticks([])
        if lims is not None:
            fig.colorbar(im, ax=ax, shrink=0.8)
    axes[4].plot(np.arange(len(metrics["contrast_per_input"])), metrics["contrast_per_input"], "-o", ms=3)
    axes[4].set_xlabel("Input number"), axes[4].set_ylabel("Contrast (signal / background)"), axes[4].grid(alpha=0.3)
    return save_figure(fig, out_dir, "filter")


def review_synapses_figures(rep, out_dir: Path) -> list[Path]:
    """One figure per behaviour of the review reproduction (``reproductions.review_synapses``)."""
    from nanoionic.analysis import stretched_exponential

    m = rep.metrics
    paths = []
    models = [("wox", "WOx mobility (Fig. 6)", 1e3, "ms"), ("taox", "TaOx heat (Fig. 7a,b)", 1e6, "µs"),
              ("diffusive", "diffusive + drift, drift memristor (Fig. 7c,d)", 1e6, "µs")]
    if "retention" in m:
        fig, ax = plt.subplots(figsize=(5.5, 4))
        for (n, r), colour in zip(m["retention"].items(), ("C3", "C0")):
            t = np.array(r["time_s"])
            ax.plot(t[1:], r["normalised"][1:], "o", ms=3, color=colour, label=f"{n} pulses")
            fine = np.logspace(np.log10(t[1]), np.log10(t[-1]), 200)
            ax.plot(fine, stretched_exponential(fine, r["tau_s"], r["beta"]), "-", color=colour,
                    label=f"fit τ = {r['tau_s']:.3g} s, β = {r['beta']:.2f}")
        ax.set_xscale("log"), ax.set_xlabel("Time after stimulation (s)")
        ax.set_ylabel("Normalised conductance change"), ax.legend(fontsize=7), ax.grid(alpha=0.3, which="both")
        ax.set_title("STM → LTM (W/WOx/Pd, 1.5 V / 1 ms pulses)", fontsize=9)
        paths += save_figure(fig, out_dir, "review_fig5_retention")
    panels = [("ppf", "Pulse interval", "PPF ratio (I₂ / I₁)", "interval_s", "ratio", True),
              ("srdp", "Spike rate (Hz)", "ΔG / G after 10 spikes", "rate_hz", "change", False),
              ("stdp", "Δt = t_post − t_pre", "ΔG / G", "dt_s", "change", True)]
    for key, xlabel, ylabel, xk, yk, scaled in panels:
        if key not in m.get("wox", {}):
            continue
        shown = [mod for mod in models if key in m.get(mod[0], {})]
        fig, axes = plt.subplots(1, len(shown), figsize=(5 * len(shown), 3.8))
        for ax, (tag, title, unit, u) in zip(axes, shown):
            r = m[tag][key]
            x = np.array(r[xk]) * (unit if scaled else 1.0)
            ax.plot(x, r[yk], "-o", ms=4)
            ax.set_xlabel(f"{xlabel} ({u})" if scaled else xlabel), ax.set_ylabel(ylabel), ax.set_title(title, fontsize=9)
            if key == "stdp":
                ax.axhline(0, color="k", lw=0.6), ax.axvline(0, color="k", lw=0.6)
            else:
                ax.set_xscale("log")
            ax.grid(alpha=0.3, which="both")
        paths += save_figure(fig, out_dir, f"review_{key}")
    if "metaplasticity" in m:
        paths += metaplasticity_figure(m["metaplasticity"], out_dir)
    if "coupling" in m:
        paths += coupling_figure(m["coupling"], out_dir)
    if "modulation" in m:
        paths += modulation_figure(m["modulation"], out_dir)
    return paths


def metaplasticity_figure(m: dict, out_dir: Path) -> list[Path]:
    """States A/B under one pulse; later plasticity vs SET voltage and vs RESET amplitude."""
    fig, (ax_ab, ax_set, ax_reset) = plt.subplots(1, 3, figsize=(14, 3.8))
    for (name, st), colour in zip(m["states"].items(), ("C3", "C2")):
        ax_ab.plot(np.arange(len(st["curve_S"])), np.array(st["curve_S"]) * 1e6, "-o", ms=3, color=colour,
                   label=f"{name}: {st['history']}")
    ax_ab.set_xlabel(f"identical pulses '{m['identical_pulse']}'"), ax_ab.set_ylabel("Conductance (µS)")
    ax_ab.set_yscale("log"), ax_ab.legend(fontsize=7), ax_ab.grid(alpha=0.3, which="both")
    ax_ab.set_title("States A and B: same start, opposite response", fontsize=9)
    ax_set.plot(m["set_voltage_V"], m["set_plasticity"], "-o")
    ax_set.set_xlabel("SET voltage of the last programming (V)"), ax_set.set_ylabel("later plasticity ΔG/G")
    ax_reset.plot(np.abs(m["reset_voltage_V"]), m["reset_plasticity"], "-o", color="C1")
    ax_reset.set_xlabel("RESET amplitude (V)"), ax_reset.set_ylabel("later plasticity ΔG/G")
    for ax in (ax_set, ax_reset):
        ax.grid(alpha=0.3), ax.set_title(f"from {m['compared_at_S'][0] * 1e6:.1f} µS, one '{m['test_pulse']}'", fontsize=9)
    return save_figure(fig, out_dir, "review_metaplasticity")


def coupling_figure(r: dict, out_dir: Path) -> list[Path]:
    """Competition and cooperation of two channels, and the four-channel network."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    for ax, key, title in ((axes[0], "competition", "Competition (limited Li between D0 and D1)"),
                           (axes[1], "cooperation", "Cooperation (Li beyond D0 only)")):
        c = r[key]
        ax.bar([0, 1, 2], [c["initial_uS"], c["channel1_alone_uS"], c["channel1_after_channel0_uS"]],
               color=["0.6", "C0", "C1"])
        ax.set_xticks([0, 1, 2], ["D1 before", "D1 trained alone", "D1 trained after D0"], fontsize=8)
        ax.set_ylabel("D1 conductance (µS)"), ax.set_title(title, fontsize=9), ax.grid(alpha=0.3, axis="y")
    net = r["network"]
    axes[2].bar(np.arange(4), 100 * np.array(net["relative_change"]), color=["C0", "C3", "C0", "C0"])
    axes[2].set_yscale("symlog", linthresh=1.0)
    axes[2].set_xticks(np.arange(4), [f"D{k}" for k in range(4)])
    axes[2].set_ylabel("ΔG/G (%)"), axes[2].set_title(f"Programming {net['programmed']} changes the others", fontsize=9)
    axes[2].grid(alpha=0.3, axis="y")
    return save_figure(fig, out_dir, "review_coupling")


def modulation_figure(r: dict, out_dir: Path) -> list[Path]:
    """Pre pulses to SET and to RESET vs the modulatory voltage (None drawn at the limit)."""
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    limit = r["max_pulses"]
    for key, label, marker in (("set_pulses", "SET (V_pre = +10 V)", "o"), ("reset_pulses", "RESET (V_pre = −10 V)", "s")):
        y = [limit if p is None else p for p in r[key]]
        ax.plot(r["v_mod_V"], y, "-" + marker, label=label)
    ax.axhline(limit, color="k", ls=":", lw=0.8, label=f"not within {limit} pulses")
    ax.set_xlabel("Modulatory voltage V_mod (V)"), ax.set_ylabel("Pre pulses needed (1 ms each)")
    ax.set_yscale("log"), ax.legend(fontsize=7), ax.grid(alpha=0.3, which="both")
    return save_figure(fig, out_dir, "review_modulation")


def sweep_figures(ds, out_dir, *, max_legend: int = 12) -> list[Path]:
    """Cumulative distributions and histograms of every scalar metric of a sweep, one curve per
    parameter point (devices of all seeds pooled), like the review's Figs. 11–12.

    ``ds`` is ``distributed.load_sweep(store)``; writes ``cdf_<metric>.png/.svg`` into ``out_dir``.
    """
    import json

    from nanoionic._core.units import EV

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    swept = json.loads(ds.attrs.get("swept", "[]"))
    n_points = ds.sizes["point"]
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, max(n_points, 2)))

    def label(p: int) -> str:
        parts = []
        for name in swept:
            value = float(ds[name].values[p])
            parts.append(f"{name} = {value / EV:.4g} eV" if 1e-21 < abs(value) < 1e-17 else f"{name} = {value:.4g}")
        return ", ".join(parts) or "preset"

    written = []
    for name in ds.data_vars:
        if name == "task_status" or "read" in ds[name].dims:
            continue
        unit = ds[name].attrs.get("units", "")
        fig, (ax_cdf, ax_hist) = plt.subplots(1, 2, figsize=(10, 4))
        finite = ds[name].values[np.isfinite(ds[name].values)]
        log = finite.size > 0 and np.all(finite > 0) and finite.max() / finite.min() > 20
        for p in range(n_points):
            values = np.sort(ds[name].isel(point=p).values.ravel())
            values = values[np.isfinite(values)]
            if values.size == 0:
                continue
            kw = {"color": colours[p], "label": label(p) if n_points <= max_legend else None}
            ax_cdf.step(values, np.arange(1, values.size + 1) / values.size, where="post", **kw)
            bins = np.geomspace(finite.min(), finite.max(), 40) if log else 40
            ax_hist.hist(values, bins=bins, histtype="step", density=True, **kw)
        for ax in (ax_cdf, ax_hist):
            ax.set_xlabel(f"{name} [{unit}]" if unit else name)
            if log:
                ax.set_xscale("log")
        ax_cdf.set_ylabel("cumulative probability")
        ax_hist.set_ylabel("probability density")
        if n_points <= max_legend:
            ax_cdf.legend(fontsize=7)
        fig.suptitle(f"{ds.attrs.get('device', '')}: {name} per parameter point ({n_points} points)")
        written += save_figure(fig, out, f"cdf_{name}")
    return written


def review_filaments_figures(rep, out_dir: Path) -> list[Path]:
    """Figures of the filament reproduction (``reproductions.review_filaments``)."""
    m = rep.metrics
    paths = []
    e, vc = m["ecm"], m["vcm"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    axes[0].semilogy(e["voltage_V"], np.abs(e["current_A"]), lw=1.2)
    axes[0].set_xlabel("Voltage (V)"), axes[0].set_ylabel("|Current| (A)")
    axes[0].set_title(f"ECM Ag/SiO2/Pt: abrupt SET (I_cc {e['compliance_A'] * 1e6:g} µA), on/off {e['on_off']:.2g}", fontsize=9)
    for label, style in (("cathode_regime", "-"), ("anode_regime", "--")):
        g = e["growth"][label]
        axes[1].plot(g["voltage_V"], g["cathode_nm_t"], style, color="C0", label=f"from cathode, k_red {g['reduction_rate_per_s']:g}/s")
        axes[1].plot(g["voltage_V"], g["anode_nm_t"], style, color="C3", label=f"from anode, k_red {g['reduction_rate_per_s']:g}/s")
    axes[1].set_xlabel("Voltage (V)"), axes[1].set_ylabel("Filament length (nm)"), axes[1].legend(fontsize=7)
    axes[1].set_title("Growth direction: Da = k_red·gap/v", fontsize=9)
    axes[2].semilogy(vc["sweep_voltage_V"], np.abs(vc["sweep_current_A"]), lw=1.2)
    axes[2].set_xlabel("Voltage (V)"), axes[2].set_ylabel("|Current| (A)")
    axes[2].set_title("VCM Ta2O5 gap: gradual switching", fontsize=9)
    for ax in axes:
        ax.grid(alpha=0.3, which="both")
    paths += save_figure(fig, out_dir, "review_fig1_2_ecm_vcm")

    fig, ax = plt.subplots(figsize=(5.5, 4))
    g = np.array(vc["read_conductance_S"])
    ax.semilogy(np.arange(g.size), g, "o-", ms=3)
    ax2 = ax.twinx()
    ax2.plot(np.arange(g.size), vc["density_cm3"], "C1--", lw=1)
    ax2.axhline(vc["critical_density_cm3"], color="C1", lw=0.6)
    ax.set_xlabel("Pulse (20 × +1 V, then 20 × −1 V, 100 µs)"), ax.set_ylabel("Read conductance (S)")
    ax2.set_ylabel("V_O density (cm⁻³); line: Mott density")
    ax.set_title("VCM: analog potentiation/depression, metallic above n_c", fontsize=9)
    paths += save_figure(fig, out_dir, "review_vcm_pulses")

    th = m["threshold"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    axes[0].loglog(th["quasi_static_I"], th["quasi_static_V"], lw=1.2)
    axes[0].set_xlabel("Current (A)"), axes[0].set_ylabel("Voltage (V)")
    axes[0].set_title(f"NbO2 selector, quasi-static (current drive): NDR; V_th {th['threshold_V']:.2f} V", fontsize=9)
    axes[1].plot(th["ramp_device_V"], np.array(th["ramp_current_A"]) * 1e3, lw=1.2)
    axes[1].set_xlabel("Device voltage (V)"), axes[1].set_ylabel("Current (mA)")
    axes[1].set_title(f"Ramp through {th['load_ohm']:g} Ω: snap-back", fontsize=9)
    t = np.array(th["pulse_time_s"]) * 1e9
    axes[2].semilogy(t, np.abs(th["pulse_current_A"]), "o-", ms=3, lw=0.8)
    axes[2].set_xlabel("Time (ns)"), axes[2].set_ylabel("|Current| (A)")
    axes[2].set_title(f"3.5 V pulse, then reads: G after/before {th['return_ratio']:.3f} (volatile)", fontsize=9)
    for ax in axes:
        ax.grid(alpha=0.3, which="both")
    paths += save_figure(fig, out_dir, "review_threshold_switch")

    q = m["quantised"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for tag, colour in (("integer", "C0"), ("half_integer", "C3")):
        r = q[tag]
        axes[0].plot(r["sweep_V"], r["sweep_G_over_G0"], color=colour, label=f"step {r['step_G0']:g} G0")
        axes[1].plot(np.array(r["compliance_A"]) * 1e6, r["levels_G0"], "o-", color=colour, label=f"step {r['step_G0']:g} G0")
    axes[0].set_xlabel("Voltage (V)"), axes[0].set_ylabel("G / G0"), axes[0].legend(fontsize=8)
    axes[0].set_title("Quantised conductance during SET (Fig. 13b)", fontsize=9)
    axes[1].set_xlabel("Compliance (µA)"), axes[1].set_ylabel("G / G0 after SET"), axes[1].legend(fontsize=8)
    axes[1].set_title("Channel count selected by the compliance", fontsize=9)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.set_yticks(np.arange(0, 9))
    paths += save_figure(fig, out_dir, "review_fig13_quantised")

    var = m["variability"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for lv in var["levels"]:
        for ax, key, cv in ((axes[0], "set_V", lv["set_cv"]), (axes[1], "reset_V", lv["reset_cv"])):
            x = np.sort(np.array(lv[key])[np.isfinite(lv[key])])
            ax.plot(x, (np.arange(x.size) + 0.5) / x.size * 100, "-",
                    label=f"c = {lv['confinement']:g}: σ/μ {cv:.1%}")
    axes[0].set_xlabel("SET voltage (V)"), axes[1].set_xlabel("|RESET voltage| (V)")
    for ax in axes:
        ax.set_ylabel("Cumulative probability (%)"), ax.legend(fontsize=7), ax.grid(alpha=0.3)
    fig.suptitle(f"Figs. 11–12: {var['n_devices']} random filaments per confinement level (seed {var['seed']})", fontsize=9)
    paths += save_figure(fig, out_dir, "review_fig11_12_variability")

    xb = m["one_s_one_r"]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for key, style in (("without_selector", "o-"), ("with_selector", "s-")):
        ax.semilogy(xb["size"], [r["sneak_A"] for r in xb[key]], style, label=f"sneak current, {key.replace('_', ' ')}")
    ax.set_xlabel("Array size N (N×N)"), ax.set_ylabel("Sneak current (A)"), ax.legend(fontsize=7), ax.grid(alpha=0.3, which="both")
    ax.set_title(f"1S1R: floating-line read at {xb['read_V']:g} V, NbO2 selector", fontsize=9)
    paths += save_figure(fig, out_dir, "review_1s1r_sneak")
    return paths


# ------------------------------------------------------------------------------------ fits

_CURRENT_UNITS = ((1.0, "A"), (1e-3, "mA"), (1e-6, "µA"), (1e-9, "nA"), (1e-12, "pA"), (1e-15, "fA"))
_TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"), (1e-12, "ps"))
MEASURED_STYLE = {"color": "0.3", "marker": "o", "ms": 2.5, "ls": "none", "alpha": 0.6}
FIT_STYLE = {"color": "C0", "ls": "-", "lw": 1.5}
PREDICTED_STYLE = {"color": "C3", "ls": "--", "lw": 1.5}
"""Measured samples (grey dots), fitted model (solid blue) and held-out predictions (dashed red)."""


def _unit(values, units) -> tuple[float, str]:
    """The largest unit of ``units`` ((factor, symbol), largest first) in which max |values| >= 1."""
    finite = np.abs(np.asarray(values, dtype=float))
    finite = finite[np.isfinite(finite)]
    top = float(finite.max()) if finite.size else 0.0
    for factor, symbol in units:
        if top >= factor:
            return factor, symbol
    return units[-1] if top > 0 else units[0]


def file_stems(names) -> list[str]:
    """File-name stems for trace names: characters other than letters, digits, '.', '-' and '_'
    become '_'; repeated stems get a suffix '_2', '_3'…"""
    stems, seen = [], {}
    for name in names:
        stem = "".join(c if c.isalnum() or c in "._-" else "_" for c in str(name)).strip("._") or "trace"
        seen[stem] = seen.get(stem, 0) + 1
        stems.append(stem if seen[stem] == 1 else f"{stem}_{seen[stem]}")
    return stems


def _spans_decades(current, decades: float = 2.0) -> bool:
    a = np.abs(np.asarray(current, dtype=float))
    a = a[np.isfinite(a) & (a > 0)]
    return a.size > 1 and a.max() / max(a.min(), 1e-300) > 10**decades


def trace_fit_figure(trace, out_dir, stem: str, *, predicted: bool = False, title: str | None = None) -> list[Path]:
    """Measured vs simulated current of one trace (a ``fit.TraceFit``): I–V (linear), I–V
    (log |I|) and I(t); ``predicted`` draws the simulation as a prediction (held-out trace)."""
    m = trace.measurement
    v, meas, sim = m.voltage, m.current, np.asarray(trace.simulated, dtype=float)
    k, iu = _unit(np.concatenate([meas, sim]), _CURRENT_UNITS)
    kt, tu = _unit(m.time - m.time[0], _TIME_UNITS)
    style = PREDICTED_STYLE if predicted else FIT_STYLE
    label = "predicted (not fitted)" if predicted else "fit"
    dots = dict(MEASURED_STYLE, ms=2.5 if m.n_samples <= 3000 else 1.0)
    fig, (ax_lin, ax_log, ax_t) = plt.subplots(1, 3, figsize=(15, 4.4), layout="constrained")
    ax_lin.plot(v, meas / k, label="measured", **dots)
    ax_lin.plot(v, sim / k, label=label, **style)
    ax_lin.set_xlabel("Voltage (V)"), ax_lin.set_ylabel(f"Current ({iu})")
    ax_log.plot(v, np.where(meas != 0, np.abs(meas), np.nan), label="measured", **dots)
    ax_log.plot(v, np.where(sim != 0, np.abs(sim), np.nan), label=label, **style)
    ax_log.axhline(trace.floor, color="0.5", lw=0.8, ls=":", label=f"noise floor {trace.floor:.2g} A")
    ax_log.set_yscale("log")
    ax_log.set_ylim(bottom=max(ax_log.get_ylim()[0], 0.1 * trace.floor))  # below the floor is noise
    ax_log.set_xlabel("Voltage (V)"), ax_log.set_ylabel("|Current| (A)")
    t = (m.time - m.time[0]) / kt
    ax_t.plot(t, meas / k, label="measured", **dots)
    ax_t.plot(t, sim / k, label=label, **style)
    if _spans_decades(meas):
        decade = 10 ** np.floor(np.log10(max(trace.floor, 1e-3 * np.nanmax(np.abs(meas))) / k))
        ax_t.set_yscale("symlog", linthresh=decade, linscale=2)  # linear within ±1 decade of the smallest shown
    ax_t.set_xlabel(f"Time from first sample ({tu})"), ax_t.set_ylabel(f"Current ({iu})")
    for ax in (ax_lin, ax_log, ax_t):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    what = "held out, predicted with the fitted values" if predicted else "fitted"
    fig.suptitle(title or f"{trace.name} ({what}): NRMS {trace.nrms:.3g}, log-RMS {trace.log_rms:.3g}")
    return save_figure(fig, out_dir, stem)


def fit_residual_figure(result, out_dir) -> list[Path]:
    """Residuals (simulated − measured current) of every trace vs time and vs voltage; held-out
    traces as predictions ('x' markers)."""
    traces = [(t, False) for t in result.traces] + [(t, True) for t in result.holdout]
    k, iu = _unit(np.concatenate([t.residual for t, _ in traces]), _CURRENT_UNITS)
    kt, tu = _unit(np.concatenate([t.measurement.time - t.measurement.time[0] for t, _ in traces]), _TIME_UNITS)
    fig, (ax_t, ax_v) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    for n, (t, predicted) in enumerate(traces):
        m = t.measurement
        kw = {"color": f"C{n % 10}", "ls": "none", "marker": "x" if predicted else "o", "ms": 3 if predicted else 2,
              "alpha": 0.7, "label": f"{t.name} (predicted)" if predicted else t.name}
        ax_t.plot((m.time - m.time[0]) / kt, t.residual / k, **kw)
        ax_v.plot(m.voltage, t.residual / k, **kw)
    ax_t.set_xlabel(f"Time from first sample ({tu})")
    ax_v.set_xlabel("Voltage (V)")
    for ax in (ax_t, ax_v):
        ax.axhline(0, color="k", lw=0.8)
        ax.set_ylabel(f"Simulated − measured current ({iu})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, markerscale=2)
    fig.suptitle(f"Residuals of the fit of {result.device.name} (loss {result.loss})")
    return save_figure(fig, out_dir, "fit_residuals")


def fit_correlation_figure(result, out_dir) -> list[Path]:
    """Annotated heat map of the free parameters' correlation matrix; undetermined parameters
    (NaN) are hatched and marked 'undetermined'."""
    names, corr = result.names, np.asarray(result.correlation, dtype=float)
    p = len(names)
    size = 1.6 + 0.75 * p
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    image = ax.imshow(np.ma.masked_invalid(corr), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_facecolor("0.85")
    for i in range(p):
        for j in range(p):
            if np.isfinite(corr[i, j]):
                ax.text(j, i, f"{corr[i, j]:+.2f}", ha="center", va="center", fontsize=9,
                        color="white" if abs(corr[i, j]) > 0.6 else "black")
            else:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="0.5", lw=0))
                ax.text(j, i, "undeter-\nmined", ha="center", va="center", fontsize=7, color="0.25")
    ax.set_xticks(np.arange(p), names, rotation=45, ha="right")
    ax.set_yticks(np.arange(p), names)
    fig.colorbar(image, ax=ax, label="Correlation ρ", shrink=0.8)
    state = ("all determined" if result.identifiability.ok else
             f"undetermined: {', '.join(result.identifiability.undetermined)}" if result.identifiability.undetermined
             else "strongly correlated pairs")
    ax.set_title(f"Correlation of the fitted parameters\n({state})", fontsize=10)
    return save_figure(fig, out_dir, "fit_correlation")


def fit_profile_figure(result, profiles: dict, out_dir) -> list[Path]:
    """Cost along each free parameter (``FitResult.profile()``), one panel per parameter, the
    optimum marked and ±1 standard error shaded (energies searched in eV are shown in eV)."""
    from nanoionic._core.units import EV

    names = [n for n in result.names if n in profiles]
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.6 * rows), squeeze=False, layout="constrained")
    units = result.units
    for ax, name in zip(axes.ravel(), names):
        p = next(q for q in result.free if q.name == name)
        values, cost = profiles[name]
        shown, unit = (1 / EV, "eV") if p.scale == "eV" else (1.0, units.get(name, ""))
        x0, se_x = p.to_x(result.values[name]), result.x_standard_errors[name]
        ax.plot(np.asarray(values) * shown, np.asarray(cost) - result.cost, "o-", ms=3, color="C0", label="cost profile")
        ax.axvline(result.values[name] * shown, color="C3", lw=1.2, label="optimum")
        if np.isfinite(se_x):
            lo, hi = p.from_x(x0 - se_x) * shown, p.from_x(x0 + se_x) * shown
            ax.axvspan(lo, hi, color="C3", alpha=0.15, label="±1 SE")
        else:
            ax.set_title("standard error undetermined (the data do not fix it)", fontsize=8, color="C3")
        if p.scale == "log" and np.nanmax(values) > 3 * np.nanmin(values):  # a narrow profile reads better linear
            ax.set_xscale("log")
        ax.set_xlabel(f"{name} ({unit})" if unit and unit != "1" else name)
        ax.set_ylabel("Cost − optimum cost")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
        if ax.get_xscale() == "linear":
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4), useOffset=False)
            ax.tick_params(axis="x", labelrotation=30)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper center")
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.suptitle(f"Cost profiles (others held at the optimum; loss {result.loss})")
    return save_figure(fig, out_dir, "fit_profiles")


def fit_figures(result, out_dir, *, profiles: bool | dict = False) -> list[Path]:
    """Figures of a fit (``fit.FitResult``) into ``out_dir`` (PNG and SVG):

    ``fit_<trace>``: measured vs fitted current per trace (I–V linear, I–V log |I|, I(t));
    ``predicted_<trace>``: the same for held-out traces (``result.holdout``), drawn as
    predictions; ``fit_residuals``: residuals vs time and voltage; ``fit_correlation``: the
    correlation matrix; ``fit_profiles`` (only with ``profiles``): the cost profiles.
    ``profiles`` is True (ask ``result.profile()``, which costs simulations) or its output.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for t, stem in zip(result.traces, file_stems(t.name for t in result.traces)):
        paths += trace_fit_figure(t, out, f"fit_{stem}")
    for t, stem in zip(result.holdout, file_stems(t.name for t in result.holdout)):
        paths += trace_fit_figure(t, out, f"predicted_{stem}", predicted=True)
    paths += fit_residual_figure(result, out)
    paths += fit_correlation_figure(result, out)
    if profiles is True:
        profiles = result.profile()
    if profiles:
        paths += fit_profile_figure(result, profiles, out)
    return paths


def cross_validation_figures(cv, out_dir) -> list[Path]:
    """Leave-one-out cross-validation (``fit.CrossValidation``): fitted vs predicted NRMS per
    held-out trace (``cv_nrms``), and each held-out trace with its prediction (``cv_<trace>``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = cv.table()
    fig, ax = plt.subplots(figsize=(max(5.0, 1.4 * len(rows) + 2), 4))
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["fit_nrms"] for r in rows], 0.4, color="C0", label="fit NRMS (mean over fitted traces)")
    ax.bar(x + 0.2, [r["predicted_nrms"] for r in rows], 0.4, color="C3", hatch="//", label="predicted NRMS (held out)")
    ax.set_xticks(x, [r["held_out"] for r in rows], rotation=20)
    ax.set_xlabel("Trace held out")
    ax.set_ylabel("NRMS of current (1)")
    heights = [r[k] for r in rows for k in ("fit_nrms", "predicted_nrms")]
    if _spans_decades(heights, 1.5):
        ax.set_yscale("log")
    elif np.all(np.isfinite(heights)):
        ax.set_ylim(0, 1.35 * max(heights))  # room for the legend
    ax.grid(alpha=0.3, axis="y", which="both")
    ax.legend(fontsize=8)
    ax.set_title("Leave-one-out cross-validation")
    paths = save_figure(fig, out, "cv_nrms")
    for t, stem in zip(cv.predicted, file_stems(t.name for t in cv.predicted)):
        paths += trace_fit_figure(t, out, f"cv_{stem}", predicted=True,
                                  title=f"{t.name}: predicted by the fit to the other traces, NRMS {t.nrms:.3g}")
    return paths
