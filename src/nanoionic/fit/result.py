"""The outcome of a fit: values with standard errors, identifiability, traces, prediction, TOML."""

from __future__ import annotations

import dataclasses
import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nanoionic._core.version import package_version
from nanoionic.data import Measurement
from nanoionic.fit.calibrate import FreeParameter
from nanoionic.fit.evaluate import Evaluator, Trace, prepare
from nanoionic.fit.loss import log_rms, noise_floor, nrms, stacked_residuals
from nanoionic.fit.uncertainty import Identifiability, correlation
from nanoionic.io import write_text_atomic


@dataclass
class TraceFit:
    """One trace: measured and simulated current [A] at the samples, and the errors."""

    name: str
    measurement: Measurement
    simulated: np.ndarray
    nrms: float
    log_rms: float
    floor: float

    @property
    def residual(self) -> np.ndarray:
        """Simulated minus measured current [A]."""
        return self.simulated - self.measurement.current


@dataclass
class FitResult:
    """A fitted device. ``values`` and ``standard_errors`` are SI (units in ``units``); the
    standard errors come from the Jacobian at the optimum scaled by the residual variance
    (delta method for log and eV scales; ``x_standard_errors`` in the optimiser's coordinates:
    ln for "log", eV for "eV")."""

    device: object
    free: list[FreeParameter]
    values: dict[str, float]
    standard_errors: dict[str, float]
    x_standard_errors: dict[str, float]
    covariance: np.ndarray
    identifiability: Identifiability
    traces: list[TraceFit]
    nuisance: dict[str, float]
    loss: str
    method: str
    seed: int
    converged: bool
    message: str
    n_simulations: int
    wall_time: float
    history: list[tuple[int, float]]
    cost: float
    holdout: list[TraceFit] = field(default_factory=list)
    resolution_error: float = 0.0
    warnings: list[str] = field(default_factory=list)
    _evaluator: Evaluator | None = field(default=None, repr=False)
    _floor: float | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.free]

    @property
    def units(self) -> dict[str, str]:
        fields = {f.name: f for f in dataclasses.fields(self._evaluator.base_params)}
        return {n: fields[n].metadata.get("unit", "") for n in self.names}

    @property
    def correlation(self) -> np.ndarray:
        """Correlation matrix of the free parameters (NaN for undetermined ones)."""
        return correlation(self.covariance)

    @property
    def nrms(self) -> dict[str, float]:
        """Normalised RMS error of each fitted trace."""
        return {t.name: t.nrms for t in self.traces}

    @property
    def holdout_nrms(self) -> dict[str, float]:
        return {t.name: t.nrms for t in self.holdout}

    def x_value(self, name: str, value: float | None = None) -> float:
        """``value`` (default: the fitted one) in the optimiser's coordinates of ``name``."""
        p = next(p for p in self.free if p.name == name)
        return p.to_x(self.values[name] if value is None else value)

    def z_scores(self, truth: dict[str, float]) -> dict[str, float]:
        """(fitted − true)/SE of each free parameter in the optimiser's coordinates (±inf when
        the SE is 0 and the values differ, 0 when they agree)."""
        out = {}
        for n in truth:
            diff, se = self.x_value(n) - self.x_value(n, truth[n]), self.x_standard_errors[n]
            out[n] = diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
        return out

    def _row(self) -> np.ndarray:
        """The fitted free values and the polarity, in the evaluator's column order."""
        return np.array([self.values[n] for n in self.names] + [self.nuisance["polarity"]])

    # ------------------------------------------------------------------------- prediction
    def predict(self, measurement: Measurement | Trace, *, floor: float | None = None) -> TraceFit:
        """Simulate a trace that was not fitted with the fitted values and the fitted instrument;
        returns its errors (held-out NRMS)."""
        trace = measurement if isinstance(measurement, Trace) else Trace(measurement)
        prep = prepare(trace)
        ev = dataclasses.replace(self._evaluator, traces=[prep])
        currents, _ = ev(self._row()[None, :])
        return _trace_fit(trace, currents[0][:, 0], self._floor if floor is None else floor)

    # -------------------------------------------------------------------------- reporting
    def summary(self) -> str:
        """A plain-text table of the fit."""
        lines = [f"fit of {self.device.name!r} (model {self.device.model.name}); loss {self.loss}; method {self.method}",
                 f"{'converged' if self.converged else 'NOT CONVERGED'}: {self.message}",
                 f"{self.n_simulations} simulations in {self.wall_time:.1f} s; cost {self.cost:.4g}"]
        if self.method == "exact":
            lines.append(f"ramps at {self._evaluator.ramp_steps} sub-intervals per sample; their difference to adaptive "
                         f"refinement at the optimum is {self.resolution_error:.2g} of the residual RMS")
        lines.append("")
        units = self.units
        for p in self.free:
            v, se = self.values[p.name], self.standard_errors[p.name]
            rel = f"{100 * se / abs(v):.2g} %" if v and math.isfinite(se) else "undetermined" if not math.isfinite(se) else ""
            lines.append(f"  {p.name:28s} {v:12.6g} ± {se:<10.3g} {units[p.name]:6s} ({rel}) in [{p.low:g}, {p.high:g}] {p.scale}")
        lines.append("")
        for t in self.traces:
            lines.append(f"  trace {t.name}: NRMS {t.nrms:.4f}, log-RMS {t.log_rms:.4f} ({t.measurement.n_samples} samples)")
        for t in self.holdout:
            lines.append(f"  held out {t.name}: NRMS {t.nrms:.4f}, log-RMS {t.log_rms:.4f} (predicted)")
        lines.append("")
        lines.append(self.identifiability.describe())
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_toml(self, path) -> Path:
        """A parameter set with the fitted values and the fit's provenance; ``Device(path)``,
        simulate, crossbars and export read it as they read a preset."""
        return write_text_atomic(path, fit_toml(self))

    def profile(self, names: list[str] | None = None, n: int = 11, span: float = 3.0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Cost along each free parameter (the others held at the optimum), ``span`` standard
        errors either side (clipped to the bounds), each parameter one batch of ``n`` sets.
        Returns {name: (values SI, cost)}. A flat profile is a parameter the data do not fix."""
        names = self.names if names is None else names
        ev = self._evaluator
        out = {}
        for name in names:
            p = next(q for q in self.free if q.name == name)
            lo, hi = p.x_bounds
            x0, se = p.to_x(self.values[name]), self.x_standard_errors[name]
            width = span * se if math.isfinite(se) and se > 0 else (hi - lo) / 2
            grid_x = np.linspace(max(lo, x0 - width), min(hi, x0 + width), n)
            rows = np.repeat(self._row()[None, :], n, axis=0)
            rows[:, ev.names.index(name)] = [p.from_x(g) for g in grid_x]
            currents, _ = ev(rows)
            floors = [noise_floor(prep.current, self._floor) for prep in ev.traces]
            cost = 0.5 * np.sum(stacked_residuals(currents, ev.traces, self.loss, floors) ** 2, axis=0)
            out[name] = (rows[:, ev.names.index(name)], np.where(np.isfinite(cost), cost, np.nan))
        return out


def _trace_fit(trace: Trace, simulated: np.ndarray, floor: float | None) -> TraceFit:
    m = trace.measurement
    f = noise_floor(m.current, floor)
    ok = np.all(np.isfinite(simulated))
    return TraceFit(trace.name, m, simulated, nrms(simulated, m.current, m.weight) if ok else math.inf,
                    log_rms(simulated, m.current, f) if ok else math.inf, f)


# ------------------------------------------------------------------------------ TOML output
def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return "inf" if v == math.inf else "-inf" if v == -math.inf else "nan" if math.isnan(v) else repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else _toml_value(k)


def fit_toml(result: FitResult) -> str:
    """The TOML text of :meth:`FitResult.to_toml`."""
    device = result.device
    meta = device.parameter_set.meta
    free = {p.name: {"value": result.values[p.name], "standard_error": result.standard_errors[p.name],
                     "low": p.low, "high": p.high, "scale": p.scale} for p in result.free}
    data = [{"name": t.name, "path": t.measurement.source, "sha256": t.measurement.sha256,
             "samples": t.measurement.n_samples, "nrms": t.nrms} for t in result.traces]
    lines = ["# Written by nanoionic fit: the fitted parameter set (SI units) and its provenance.", "[meta]",
             f"model = {_toml_value(device.model.name)}",
             f"stack = {_toml_value(str(meta.get('stack', device.name)))}",
             f"source = {_toml_value(f'fitted by nanoionic {package_version()} to measured data, starting from {device.name!r}')}",
             f"fitted_from = {_toml_value(device.name)}", "",
             "[meta.fit]",
             f"date = {_toml_value(datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'))}",
             f"nanoionic_version = {_toml_value(package_version())}",
             f"loss = {_toml_value(result.loss)}", f"method = {_toml_value(result.method)}",
             f"seed = {result.seed}", f"converged = {_toml_value(result.converged)}",
             f"message = {_toml_value(result.message)}", f"simulations = {result.n_simulations}",
             f"data = {_toml_value(data)}",
             f"nuisance = {_toml_value(result.nuisance)}",
             f"identifiability = {_toml_value(result.identifiability.describe())}", "",
             "[meta.fit.free]"]
    lines += [f"{_key(name)} = {_toml_value(spec)}" for name, spec in free.items()]
    lines += ["", "[values]"]
    for f in dataclasses.fields(device.params):
        v = getattr(device.params, f.name)
        if np.ndim(v) == 0:
            lines.append(f"{f.name} = {_toml_value(float(v))}")
    if device.parameter_set.pixel:
        lines += ["", "[pixel]"] + [f"{k} = {_toml_value(float(v))}" for k, v in device.parameter_set.pixel.items()]
    return "\n".join(lines) + "\n"
