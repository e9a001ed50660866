"""Metaplastic filament with complementary switching (Ta2O5−x/TaOy-like).

Physical picture (review, Sec. 3.2, metaplasticity; complementary switching in Ta2O5−x/TaOy
bilayers): a V_O filament bridges the stack; it can rupture next to the top electrode or next to
the bottom one. A positive bias (top electrode positive) pushes V_O²⁺ down: it closes a gap at
the bottom (SET) and opens one at the top (RESET) once the bottom is closed. Two histories can
reach the same conductance with the gap at different ends (states A and B): the same pulse then
depresses one and potentiates the other. The filament's width w (more V_O to draw on, set by the
SET voltage of the last programming) and the V_O left behind in a gap when it opened (residual
n, fewer after a stronger RESET) set how fast it later changes: metaplasticity.

States: top gap g_t, bottom gap g_b (fractions of the maximal gap), width w, residual n, all in
[0, 1]. With k(V) = ν·exp(-(E - q·a·|V|/(2d))/k_B T) for the polarity that drives each process:

    dg_t/dt = k(V₊)·(1 - g_t)·(1 - g_b)⁴ - k(V₋)·(w_0 + w)·(1 + β·n)·g_t
    dg_b/dt = k(V₋)·(1 - g_b)·(1 - g_t)⁴ - k(V₊)·(w_0 + w)·(1 + β·n)·g_b
    dn/dt   = [k(V₊)(1 - g_b)⁴ + k(V₋)(1 - g_t)⁴]·(exp(-|V|/V_res) - n)   (opening gaps are swept)
              + [k(V₋)g_t + k(V₊)g_b]·(1 - n)                             (closing refills them)
    dw/dt   = k_w(|V|)·(1 - w)·(1 - g_t)(1 - g_b) - w/τ_w

(the (1 - g_other)⁴ factor: V_O flow first fills the gap at the far end; a gap opens only where
the filament is intact). Conductance: tunnelling through the gaps, shortened by the residual
V_O: G = G_f·(w_0 + w)·exp(-(g_t + g_b)·(1 - κ·n)/λ), I = G·V.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import EV, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters, softplus
from nanoionic.physics.hopping import field_work, log_hopping_rate


@dataclass(frozen=True)
class MetaplasticParams:
    """Parameters of the metaplastic filament (SI; energies in J). Defaults:
    parameters/sets/TaOx_metaplastic.toml."""

    temperature: float = field(300.0, "K", 0.0, 2000.0, "T", low_open=True)
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "ν")
    barrier: float = field(0.95 * EV, "J", 0.0, 5 * EV, "E: V_O hop barrier (gap opening/closing)")
    hop_distance: float = field(3.0e-9, "m", 1e-11, 1e-7, "a: hop distance")
    thickness: float = field(5e-9, "m", 1e-10, 1e-5, "d: switching-layer thickness")
    width_barrier: float = field(1.0 * EV, "J", 0.0, 5 * EV, "barrier of filament widening")
    width_relaxation: float = field(1e4, "s", 0.0, 1e12, "τ_w: slow thinning of the filament", low_open=True)
    residual_voltage: float = field(0.6, "V", 0.0, 100.0, "V_res: RESET amplitude that halves the residual (×1/e)", low_open=True)
    residual_boost: float = field(4.0, "1", 0.0, 1e3, "β: faster gap closing per residual V_O")
    residual_thinning: float = field(0.5, "1", 0.0, 1.0, "κ: shorter tunnelling gap per residual V_O")
    base_width: float = field(0.2, "1", 0.0, 10.0, "w_0: filament width before widening")
    tunnel_length: float = field(0.15, "1", 0.0, 10.0, "λ: gap fraction per e-fold of conductance", low_open=True)
    filament_conductance: float = field(1e-3, "S", 0.0, 1.0, "G_f", low_open=True)


class MetaplasticFilamentModel(DeviceModel):
    """Complementary-switching filament with width and residual-vacancy memory (see module)."""

    name = "metaplastic-filament"
    state_names = ("top_gap", "bottom_gap", "width", "residual")
    state_bounds = ((0.0, 1.0),) * 4
    Params = MetaplasticParams
    operating_voltage = 1.2
    time_scale = 1e-3

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.zeros((4, n_devices))  # formed: no gap, thin, no residual

    def _rate(self, barrier, v, p):
        """Field-driven hop rate [1/s] at |V|; zero without a field (no directed motion)."""
        work = field_work(Q_E, p.hop_distance, np.abs(v) / p.thickness)
        rate = np.exp(log_hopping_rate(barrier, work, p.temperature, p.attempt_frequency))
        return np.where(np.abs(v) > 0, rate, 0.0)

    def rates(self, state, v, t, params):
        gt, gb, w, n = state
        v = np.asarray(v, dtype=float)
        kp = self._rate(params.barrier, np.maximum(v, 0.0), params)
        km = self._rate(params.barrier, np.minimum(v, 0.0), params)
        supply = (params.base_width + w) * (1.0 + params.residual_boost * n)
        free_b, free_t = (1.0 - gb) ** 4, (1.0 - gt) ** 4
        dgt = kp * (1.0 - gt) * free_b - km * supply * gt
        dgb = km * (1.0 - gb) * free_t - kp * supply * gb
        opening, closing = kp * free_b + km * free_t, km * gt + kp * gb
        dn = opening * (np.exp(-np.abs(v) / params.residual_voltage) - n) + closing * (1.0 - n)
        dw = self._rate(params.width_barrier, v, params) * (1.0 - w) * (1.0 - gt) * (1.0 - gb) - w / params.width_relaxation
        return np.stack([dgt, dgb, dw, dn])

    def conductance(self, state, params):
        gt, gb, w, n = state
        gap = (gt + gb) * (1.0 - params.residual_thinning * n)
        return params.filament_conductance * (params.base_width + w) * np.exp(-gap / params.tunnel_length)

    def current(self, state, v, params):
        return self.conductance(state, params) * np.asarray(v, dtype=float)

    def compact(self, params):
        """The model as formulas (the same equations as ``rates`` and ``current``). Barriers and the
        field work per volt are divided by k_B·T beforehand. The rates are zero at exactly V = 0
        (no directed motion), as in ``_rate``: a ``where`` whose jump, ν·exp(-E/k_B T) ~ 1e-3/s for
        the preset, is far below the rates of a pulse and does not stall step control."""
        p = scalar_parameters(params, self.name)
        kt = K_B * p["temperature"]
        values = {"ln_nu": float(np.log(p["attempt_frequency"])), "e_b": p["barrier"] / kt,
                  "e_w": p["width_barrier"] / kt,
                  "s_b": field_work(Q_E, p["hop_distance"], 1.0 / p["thickness"]) / kt,  # [1/V]
                  "tau_w": p["width_relaxation"], "v_res": p["residual_voltage"], "beta": p["residual_boost"],
                  "kappa": p["residual_thinning"], "w_0": p["base_width"], "lam": p["tunnel_length"],
                  "g_f": p["filament_conductance"]}
        rate = lambda barrier, volts: f"exp(ln_nu - {softplus(f'{barrier} - s_b * {volts}')})"  # noqa: E731
        aux = (("kp", f"where(v > 0, {rate('e_b', 'max(v, 0)')}, 0)"),
               ("km", f"where(v < 0, {rate('e_b', 'max(-v, 0)')}, 0)"),
               ("kw", f"where(abs(v) > 0, {rate('e_w', 'abs(v)')}, 0)"),
               ("supply", "(w_0 + w) * (1 + beta * n)"),
               ("free_b", "(1 - gb) * (1 - gb) * ((1 - gb) * (1 - gb))"),
               ("free_t", "(1 - gt) * (1 - gt) * ((1 - gt) * (1 - gt))"))
        states = (
            CompactState("gt", "kp * (1 - gt) * free_b - km * supply * gt", 0.0, 0.0, 1.0),
            CompactState("gb", "km * (1 - gb) * free_t - kp * supply * gb", 0.0, 0.0, 1.0),
            CompactState("w", "kw * (1 - w) * (1 - gt) * (1 - gb) - w / tau_w", 0.0, 0.0, 1.0),
            CompactState("n", "(kp * free_b + km * free_t) * (exp(-abs(v) / v_res) - n) + (km * gt + kp * gb) * (1 - n)",
                         0.0, 0.0, 1.0),
        )
        return CompactModel(
            name=self.name, parameters=values, auxiliaries=aux, states=states,
            current="g_f * (w_0 + w) * exp(-(gt + gb) * (1 - kappa * n) / lam) * vd",
            source="Complementary switching in Ta2O5-x/TaOy bilayers (review, Sec. 3.2); nanoionic metaplastic-filament model",
            notes=("gt, gb: top and bottom gaps (fractions of the maximal gap); w: filament width; n: residual V_O in a gap",
                   "(1 - g)^4 is written as a product: Verilog-A's pow fails on a negative base"))
