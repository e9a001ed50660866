"""Command-line interface (typer): run, reproduce, filter, sweep, fit, models, params, export. No logic beyond wiring."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nanoionic._core.errors import NanoionicError, ParameterError, param_error
from nanoionic._core.units import EV
from nanoionic.export.files import export_crossbar, export_spice, export_verilog_a
from nanoionic.io import read_waveform_csv, save_result
from nanoionic.models.base import describe_params
from nanoionic.models.registry import MODELS
from nanoionic.parameters import preset_names
from nanoionic.protocols.waveform import KIND, Waveform
from nanoionic.report import reproduction_names, standard_error_text, write_reproduction
from nanoionic.simulation import Device, simulate

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="nanoionic: ionic memristive devices from their physics.")
console = Console()
err_console = Console(stderr=True)


def _fail(exc: Exception) -> None:
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
    raise typer.Exit(code=2)


def waveform_from_csv(path: Path) -> Waveform:
    """A measured or simulator-produced waveform (time [s], voltage [V]) as linear ramps."""
    t, v = read_waveform_csv(path)
    kinds = np.where(v[:-1] == v[1:], KIND["hold"], KIND["sweep"])
    return Waveform.from_segments(np.diff(t), v[:-1], v[1:], kind=kinds, text=f"# waveform file {path}")


def protocol_argument(protocol: str):
    """Protocol text, a protocol file (any name), or a CSV waveform file (``.csv``). A single
    word that names no file but looks like one (a suffix or a slash) is a missing file, not text."""
    from nanoionic.io import read_text_file
    path = Path(protocol)
    if path.suffix.lower() == ".csv":
        return waveform_from_csv(path)
    looks_like_path = not any(c in protocol for c in " \n;{") and (path.suffix or "/" in protocol)
    if path.exists() or looks_like_path:
        return read_text_file(path, "--protocol", "run", "protocol text, or a UTF-8 protocol file")
    return protocol


def parse_set(items: list[str]) -> dict[str, float]:
    """--set name=value pairs; values accept units ("5e-9", "1.2 eV")."""
    from nanoionic._core.units import parse_quantity
    out = {}
    for item in items:
        if "=" not in item:
            raise ParameterError(f"The '--set' option must look like name=value. Got {item!r} instead.")
        name, value = (s.strip() for s in item.split("=", 1))
        if value.endswith("eV"):
            out[name] = parse_quantity(value, "eV", name=name) * EV
        else:
            try:
                out[name] = float(value)
            except ValueError:
                raise ParameterError(f"The '{name}' value of --set must be a number in SI units or 'x eV'. Got {value!r} instead.") from None
    return out


@app.command()
def run(device: Annotated[str, typer.Option(help="Preset name or parameter TOML file.")] = "ZnTPP/AlOx",
        protocol: Annotated[str, typer.Option(help="Protocol text, a protocol file, or a CSV waveform (time, voltage).")] = ...,
        out: Annotated[Path, typer.Option(help="Output file (.nc or .csv).")] = ...,
        n_devices: Annotated[Optional[int], typer.Option(help="Number of devices (adds a device dimension).")] = None,
        seed: Annotated[Optional[int], typer.Option(help="Seed of the device-to-device draw.")] = None,
        method: Annotated[str, typer.Option(help="auto, exact, rk45 or implicit.")] = "auto",
        set_: Annotated[list[str], typer.Option("--set", help="Override a parameter: name=value (SI).")] = []):
    """Simulate a protocol on a device and save the result atomically."""
    try:
        dev = Device(device, **parse_set(set_))
        with console.status(f"simulating {dev.name}…"):
            res = simulate(dev, protocol_argument(protocol), n_devices=n_devices, seed=seed, method=method)
        path = save_result(res, out)
    except NanoionicError as exc:
        _fail(exc)
    console.print(f"wrote {path} ({res.sizes['time']} time points)")


@app.command()
def reproduce(name: Annotated[str, typer.Argument(help="Reproduction name: " + ", ".join(reproduction_names()))],
              out: Annotated[Path, typer.Option(help="Output directory.")] = Path("out"),
              device: Annotated[str | None, typer.Option(help="SVDP preset to run instead of ZnTPP/AlOx "
                                                         "(svdp-device, svdp-filter, svdp-digits), e.g. NiTPP/AlOx.")] = None):
    """Reproduce a figure of the documents: figures, metrics.json and a comparison table."""
    try:
        from nanoionic.report import REPRODUCTIONS
        steps = REPRODUCTIONS[name][3] if name in REPRODUCTIONS else ()
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task(name, total=len(steps))
            rep, paths = write_reproduction(name, out, progress=lambda step: bar.update(task, advance=1, description=f"{name}: {step}"),
                                            device=device)
    except NanoionicError as exc:
        _fail(exc)
    table = Table(title=f"{name}: simulated vs paper")
    for col in ("id", "quantity", "paper", "simulated", "rel. error", "allowed", "pass", "role"):
        table.add_column(col)
    for r in rep.comparison:
        table.add_row(r["id"], r["quantity"], f"{r['paper']:g} {r['unit']}", f"{r['simulated']:.4g} {r['unit']}",
                      f"{r['rel_error']:+.1%}", r["allowed"], "[green]PASS" if r["pass"] else "[red]FAIL", r["role"])
    console.print(table)
    claims = Table(title="claims")
    for col in ("id", "claim", "result", "number", "role"):
        claims.add_column(col)
    for c in rep.checks:
        claims.add_row(c["id"], escape(c["claim"]), "[green]PASS" if c["pass"] else "[red]FAIL", escape(c["value"]), c["role"])
    console.print(claims)
    console.print(f"wrote {len(paths)} files to {out}")


@app.command("filter")
def filter_command(image: Annotated[Path, typer.Argument(help="Image file (PNG); grey levels become pulse amplitudes.")],
                   inputs: Annotated[int, typer.Option(help="Number of noisy frames presented.")] = 30,
                   noise: Annotated[float, typer.Option(help="Fraction of dark pixels lit by noise in each frame, in [0, 1].")] = 0.3,
                   noise_amplitude: Annotated[float, typer.Option(help="Intensity of noise pixels (0.6 = 6 V of 10 V).")] = 0.6,
                   size: Annotated[str, typer.Option(help="Array size ROWSxCOLS; default: the image's own size.")] = "",
                   seed: Annotated[int, typer.Option(help="Seed of the noise frames.")] = 0,
                   out: Annotated[Path, typer.Option(help="Output directory.")] = Path("out/filter")):
    """Filter an image through an SVDP array with noisy frames: conductance maps and contrast."""
    try:
        from nanoionic.io import write_json_atomic
        from nanoionic.plotting import filter_figure
        from nanoionic.reproductions.svdp_filter import filter_image
        from nanoionic.circuit.drive import check_array_size
        shape = check_array_size(*parse_size(size), "filter --size") if size else None
        out.mkdir(parents=True, exist_ok=True)
        with Progress(TextColumn("filter"), BarColumn(), TextColumn("{task.completed}/{task.total} segments"),
                      TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("filter", total=None)
            metrics, res, frames, img = filter_image(image, n_inputs=inputs, noise=noise, noise_amplitude=noise_amplitude,
                                                shape=shape, seed=seed,
                                                progress=lambda done, total: bar.update(task, completed=done, total=total))
        written = filter_figure(img, frames, res, metrics, out)
        written.append(save_result(res, out / "conductance.nc"))
        written.append(write_json_atomic(out / "metrics.json", metrics))
    except NanoionicError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(ParameterError(f"Cannot write to out = {str(out)!r}: {exc.strerror}."))
    console.print(f"contrast {metrics['contrast']:.2f} (raw last frame {metrics['contrast_raw_last_frame']:.2f}); "
                  f"signal {metrics['signal_initial_uS']:.1f} -> {metrics['signal_final_uS']:.1f} uS, background "
                  f"{metrics['background_initial_uS']:.1f} -> {metrics['background_final_uS']:.2f} uS")
    console.print(f"wrote {len(written)} files to {out}")


@app.command()
def sweep(spec: Annotated[Path, typer.Argument(help="Sweep spec (TOML): [sweep], [grid], [random], [variability].")],
          out: Annotated[Optional[Path], typer.Option(help="Zarr store; re-running resumes it. Default: SPEC.zarr beside the spec.")] = None,
          workers: Annotated[Optional[int], typer.Option(help="LocalCluster worker processes (default: min(2, cores)).")] = None,
          scheduler: Annotated[Optional[str], typer.Option(help="Existing Dask scheduler, e.g. tcp://127.0.0.1:8786.")] = None,
          timeout: Annotated[float, typer.Option(help="Seconds to wait for the scheduler.")] = 5.0,
          retry_failed: Annotated[bool, typer.Option(help="Run tasks recorded as failed again.")] = False):
    """Parameter sweep / Monte Carlo on Dask into a Zarr store; summary table and CDF plots."""
    try:
        from nanoionic.distributed import load_spec, run_sweep
        from nanoionic.plotting import sweep_figures
        parsed = load_spec(spec)
        store = out if out is not None else spec.with_suffix(".zarr")
        with Progress(TextColumn("sweep"), BarColumn(), TextColumn("{task.completed}/{task.total} tasks"),
                      TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("sweep", total=None)
            res = run_sweep(parsed, store, workers=workers, scheduler=scheduler, timeout=timeout,
                            retry_failed=retry_failed, spec_text=spec.read_text(encoding="utf-8"),
                            progress=lambda done, total: bar.update(task, completed=done, total=total))
        figures = sweep_figures(res.data, res.report[0].parent)
    except NanoionicError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(ParameterError(f"Cannot write the sweep output: {exc}."))
    table = Table(title=f"sweep {res.store.name}: median, σ/μ and percentiles per point")
    swept = list(parsed.swept)
    for col in ("point", *swept, "metric", "n", "median", "σ/μ", "p5", "p95", "failed tasks"):
        table.add_column(col, overflow="fold")
    for r in res.summary:
        table.add_row(str(r["point"]), *(f"{r[k] / EV:.4g} eV" if res.units.get(k) == "J" else f"{r[k]:.4g} {res.units.get(k, '')}"
                                         for k in swept), r["metric"], str(r["n"]),
                      f"{r['median']:.4g} {r['unit']}", f"{r['cv']:.3g}", f"{r['p5']:.4g}", f"{r['p95']:.4g}",
                      str(r["failed_tasks"]))
    console.print(table)
    for rec in res.failures:
        params = ", ".join(f"{k} = {v:.6g}" for k, v in rec["params"].items())
        err_console.print(f"[yellow]failed task {rec['task']['id']}[/] ({escape(params)}): {escape(str(rec.get('error')))}")
    console.print(f"{res.n_tasks} tasks: {res.executed} run now ({res.failed} failed), {res.skipped} already done; "
                  f"{res.seconds:.1f} s on {res.workers} workers. Store {res.store}; report "
                  f"{len(res.report) + len(figures)} files in {res.report[0].parent}")


POLARITIES = {"auto": "auto", "+1": 1, "1": 1, "-1": -1}


@app.command("fit")
def fit_command(
        device: Annotated[str, typer.Option(help="Preset name or parameter TOML file: the model and the fixed values.")] = ...,
        data: Annotated[list[Path], typer.Option("--data", help="Measured trace file (repeatable); the traces share the parameters.")] = ...,
        free: Annotated[list[str], typer.Option("--free", help="Free parameter NAME=LOW:HIGH[:SCALE] (repeatable); bounds "
                                                "accept units ('0.5 eV', '10 kOhm'); SCALE linear, log or eV.")] = ...,
        out: Annotated[Path, typer.Option(help="Output directory.")] = ...,
        kind: Annotated[str, typer.Option(help="Data reader: auto, csv, scope or smu.")] = "auto",
        sense_resistance: Annotated[Optional[str], typer.Option(help="Sense resistance of an oscilloscope export, e.g. '1 kOhm'.")] = None,
        step_time: Annotated[Optional[str], typer.Option(help="Time per step of an SMU sweep without a time column, e.g. '10 ms'.")] = None,
        holdout: Annotated[list[Path], typer.Option("--holdout", help="Trace file predicted with the fitted values, not fitted (repeatable).")] = [],
        loss: Annotated[str, typer.Option(help="log (relative errors, asinh over the noise floor), linear or mix.")] = "log",
        floor: Annotated[Optional[str], typer.Option(help="Noise floor of the log loss [A], e.g. '1 nA'; default 1e-6 of each trace's max |I|.")] = None,
        polarity: Annotated[str, typer.Option(help="auto (chosen from the data), +1 or -1 (device wired the other way round).")] = "auto",
        nuisance: Annotated[list[str], typer.Option("--nuisance", help="Fixed instrument value NAME=VALUE (repeatable): voltage_offset, "
                                                    "series_resistance, compliance, current_offset; units accepted.")] = [],
        start: Annotated[list[str], typer.Option("--start", help="Start value NAME=VALUE of a free parameter (repeatable); units accepted.")] = [],
        method: Annotated[str, typer.Option(help="auto, exact, rk45 or implicit.")] = "auto",
        seed: Annotated[int, typer.Option(help="Seed of the multi-start design.")] = 0,
        starts: Annotated[int, typer.Option(help="Sobol starts of the global stage.")] = 32,
        max_simulations: Annotated[int, typer.Option(help="Budget in simulations (one parameter set on one trace).")] = 2000,
        max_time: Annotated[float, typer.Option(help="Wall-time budget in seconds.")] = 600.0,
        profiles: Annotated[bool, typer.Option(help="Cost profile figure (costs simulations).")] = False,
        cross_validate: Annotated[bool, typer.Option("--cross-validate", help="Leave-one-out over the --data files (one fit per file).")] = False):
    """Fit free parameters of a device to measured traces: fit.toml, fit.json, summary.txt,
    fitted_<trace>.csv and figures in OUT. Exit status 3 if the fit did not converge."""
    try:
        from nanoionic._core.units import parse_quantity
        from nanoionic.data import read_measurement
        from nanoionic.fit import cross_validate as run_cross_validation, fit
        from nanoionic.fit.instrument import NUISANCE_FIELDS
        from nanoionic.fit.spec import parse_assignments
        from nanoionic.report import write_fit
        if polarity not in POLARITIES:
            raise param_error("--polarity", "fit", "auto, +1 or -1", polarity)
        dev = Device(device)
        readers = {"kind": kind, **({"sense_resistance": sense_resistance} if sense_resistance is not None else {}),
                   **({"step_time": step_time} if step_time is not None else {})}
        traces = [read_measurement(path, **readers) for path in data]
        held = [read_measurement(path, **readers) for path in holdout]
        fixed = parse_assignments(nuisance, type(dev.params), option="--nuisance",
                                  names=[n for n in NUISANCE_FIELDS if n != "polarity"])
        options = {"loss": loss, "floor": None if floor is None else parse_quantity(floor, "A", name="--floor"),
                   "nuisance": {**fixed, "polarity": POLARITIES[polarity]}, "method": method, "seed": seed,
                   "start": parse_assignments(start, type(dev.params), option="--start"), "n_starts": starts,
                   "max_simulations": max_simulations, "max_time": max_time}
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} parameter sets"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            cv = None
            if cross_validate:
                cv_task = bar.add_task("cross-validation", total=max(1, max_simulations // max(1, len(traces) - 1)))
                cv = run_cross_validation(dev, traces, free, **options, progress=lambda n, cost: bar.update(
                    cv_task, completed=n, description=f"cross-validation fold: best cost {cost:.4g}"))
            task = bar.add_task("fit", total=max(1, max_simulations // len(traces)))  # each set runs every trace
            result = fit(dev, traces, free, holdout=held or None, **options,
                         progress=lambda n, cost: bar.update(task, completed=n, description=f"fit: best cost {cost:.4g}"))
        with console.status("writing figures…"):
            paths = write_fit(result, out, profiles=profiles, cross_validation=cv)
    except NanoionicError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(ParameterError(f"Cannot write to out = {str(out)!r}: {exc.strerror}."))
    console.print(fit_table(result))
    console.print(trace_table(result))
    console.print(escape(result.identifiability.describe()))
    for warning in result.warnings:
        err_console.print(f"[bold yellow]warning:[/] {escape(warning)}")
    if cv is not None:
        console.print(cross_validation_table(cv))
    console.print(f"{result.n_simulations} simulations in {result.wall_time:.1f} s; wrote {len(paths)} files to {out}")
    if not result.converged:
        err_console.print(f"[bold yellow]the fit did not converge:[/] {escape(result.message)} (the outputs hold the best "
                          "parameters found; raise --max-simulations or --max-time, or narrow the bounds)")
        raise typer.Exit(code=3)


def fit_table(result) -> Table:
    """The fitted values, standard errors and bounds (energies in eV)."""
    table = Table(title=f"fit of {result.device.name} ({result.device.model.name}): "
                        f"{'converged' if result.converged else 'NOT CONVERGED'}, loss {result.loss}")
    for col in ("parameter", "value", "± SE", "unit", "rel. SE", "bounds", "scale"):
        table.add_column(col)
    units = result.units
    for p in result.free:
        v, se, unit = result.values[p.name], result.standard_errors[p.name], units[p.name]
        k, unit = (EV, "eV") if unit == "J" else (1.0, unit)
        rel = "undetermined" if not np.isfinite(se) else f"{se / abs(v):.2%}" if v else ""
        table.add_row(p.name, f"{v / k:.6g}", f"{se / k:.3g}", unit, rel, f"[{p.low / k:g}, {p.high / k:g}]", p.scale)
    return table


def cross_validation_table(cv) -> Table:
    """Leave-one-out: the fit's NRMS without each trace and that trace's predicted NRMS."""
    table = Table(title="leave-one-out cross-validation")
    for col in ("held out", "fit NRMS (others)", "predicted NRMS", "predicted log-RMS", "fold converged"):
        table.add_column(col)
    for r in cv.table():
        table.add_row(escape(r["held_out"]), f"{r['fit_nrms']:.4g}", f"{r['predicted_nrms']:.4g}",
                      f"{r['predicted_log_rms']:.4g}", "yes" if r["converged"] else "[red]no")
    return table


def trace_table(result) -> Table:
    """NRMS and log-RMS of each fitted and held-out trace."""
    table = Table(title="traces")
    for col in ("trace", "role", "samples", "NRMS", "log-RMS"):
        table.add_column(col)
    for t, role in [(t, "fitted") for t in result.traces] + [(t, "predicted (held out)") for t in result.holdout]:
        table.add_row(escape(t.name), role, str(t.measurement.n_samples), f"{t.nrms:.4g}", f"{t.log_rms:.4g}")
    return table


def parse_size(text: str) -> tuple[int, int]:
    """'ROWSxCOLS' → (rows, cols)."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise ParameterError(f"Invalid size = {text!r}: expected ROWSxCOLS with positive integers, e.g. 16x16.")
    return int(parts[0]), int(parts[1])


@app.command()
def models():
    """List the registered device models."""
    table = Table(title="models")
    for col in ("name", "states", "exact segments", "parameters"):
        table.add_column(col)
    for name, cls in sorted(MODELS.items()):
        table.add_row(name, ", ".join(cls.state_names), "yes" if cls.linear else "no",
                      str(len(dataclasses.fields(cls.Params))))
    console.print(table)
    console.print("presets: " + ", ".join(preset_names()))


@app.command()
def params(name: Annotated[str, typer.Argument(help="Preset name or parameter TOML file.")] = "ZnTPP/AlOx"):
    """Show a parameter set: values, units, allowed ranges, meaning and sources."""
    try:
        dev = Device(name)
    except NanoionicError as exc:
        _fail(exc)
    ps = dev.parameter_set
    table = Table(title=f"{ps.name} ({ps.model})")
    for col in ("parameter", "value", "unit", "range", "meaning"):
        table.add_column(col)
    for row in describe_params(type(ps.params)):
        value = getattr(ps.params, row["name"])
        shown = f"{value / EV:.6g} eV" if row["unit"] == "J" else f"{value:.6g}"
        table.add_row(row["name"], shown, row["unit"], f"[{row['low']:g}, {row['high']:g}]", row["doc"])
    console.print(table)
    if ps.provenance:
        console.print(_provenance_table(ps))
    for key in ("stack", "source", "calibration", "bond_energy_source"):
        if key in ps.meta:
            console.print(f"[bold]{key}:[/] {escape(str(ps.meta[key]))}")
    if ps.pixel:
        console.print("[bold]array pixel:[/] " + ", ".join(f"{k} = {v:.6g}" for k, v in ps.pixel.items()))


def _provenance_table(ps) -> Table:
    """Where each value of a parameter set comes from, with the fit's standard errors."""
    table = Table(title="provenance and standard errors")
    for col in ("parameter", "standard error", "provenance"):
        table.add_column(col)
    units = {row["name"]: row["unit"] for row in describe_params(type(ps.params))}
    for name, text in ps.provenance.items():
        se_text = standard_error_text(ps.standard_errors.get(name), units.get(name.removeprefix("pixel."), ""))
        table.add_row(name, se_text, escape(text))
    return table


export_app = typer.Typer(no_args_is_help=True, help="Export a device model for circuit simulators (ngspice, Verilog-A).")
app.add_typer(export_app, name="export")


def _export_device(device: str, params_file: Optional[Path], set_: list[str]) -> Device:
    return Device(str(params_file) if params_file else device, **parse_set(set_))


@export_app.command("spice")
def export_spice_command(
        out: Annotated[Path, typer.Option(help="Output file (.lib, .cir or .sp).")] = ...,
        device: Annotated[str, typer.Option(help="Preset name.")] = "ZnTPP/AlOx",
        params_file: Annotated[Optional[Path], typer.Option("--params", help="Parameter TOML file (instead of a preset).")] = None,
        set_: Annotated[list[str], typer.Option("--set", help="Override a parameter: name=value (SI).")] = [],
        pixel: Annotated[bool, typer.Option(help="Use the parameter set's array-pixel geometry.")] = False,
        frozen: Annotated[bool, typer.Option(help="Static cell: states become instance parameters (DC analyses).")] = False,
        crossbar: Annotated[Optional[str], typer.Option(help="Write an R×C crossbar netlist instead, e.g. 8x8.")] = None,
        line_resistance: Annotated[float, typer.Option(help="Crossbar line segment resistance per cell [Ohm].")] = 0.0,
        driver_resistance: Annotated[float, typer.Option(help="Word-line driver resistance [Ohm].")] = 0.0,
        sense_resistance: Annotated[float, typer.Option(help="Bit-line sense resistance [Ohm].")] = 0.0,
        row_voltage: Annotated[float, typer.Option(help="Voltage on every word line [V].")] = 1.0,
        col_voltage: Annotated[float, typer.Option(help="Voltage on every bit line [V].")] = 0.0,
        transient: Annotated[bool, typer.Option(help="Crossbar with dynamic cells and a .tran line to edit.")] = False):
    """Write an ngspice subcircuit of the device (or a crossbar netlist of it)."""
    try:
        dev = _export_device(device, params_file, set_)
        dev = dev.pixel() if pixel else dev
        if crossbar:
            rows, cols = parse_size(crossbar)
            path = export_crossbar(dev, out, rows, cols, line_resistance=line_resistance, driver_resistance=driver_resistance,
                                   sense_resistance=sense_resistance, row_voltage=row_voltage, col_voltage=col_voltage,
                                   transient=transient)
        else:
            path = export_spice(dev, out, frozen=frozen)
    except NanoionicError as exc:
        _fail(exc)
    console.print(f"wrote {path}")


@export_app.command("verilog-a")
def export_verilog_a_command(
        out: Annotated[Path, typer.Option(help="Output file (.va).")] = ...,
        device: Annotated[str, typer.Option(help="Preset name.")] = "ZnTPP/AlOx",
        params_file: Annotated[Optional[Path], typer.Option("--params", help="Parameter TOML file (instead of a preset).")] = None,
        set_: Annotated[list[str], typer.Option("--set", help="Override a parameter: name=value (SI).")] = [],
        pixel: Annotated[bool, typer.Option(help="Use the parameter set's array-pixel geometry.")] = False):
    """Write a Verilog-A module of the device (compiles with OpenVAF)."""
    try:
        dev = _export_device(device, params_file, set_)
        path = export_verilog_a(dev.pixel() if pixel else dev, out)
    except NanoionicError as exc:
        _fail(exc)
    console.print(f"wrote {path}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
