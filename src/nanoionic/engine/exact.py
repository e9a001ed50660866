"""The ``exact`` method: one affine map per constant interval, refined ramps (see integrate.py)."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np

from nanoionic.engine.exact_kernels import (apply_affine_maps_per_device,
                                             apply_affine_maps_shared)
from nanoionic.engine.expm_kernels import expm_affine
from nanoionic.models.base import DeviceModel, apply_affine, params_n_devices
from nanoionic.physics.kinetics import compartment_affine_maps
from nanoionic.engine._plan import (DEVICE_CHUNK, MAP_CHUNK, NON_FINITE, RAMP_MAX_STEPS, _Piece, _Recorder, _Run, _bounds)



def _run_exact(run: _Run, pieces: list[_Piece], state: np.ndarray, rec: _Recorder) -> None:
    shared = params_n_devices(run.params) is None
    if not shared:
        _run_exact_per_device(run, pieces, state, rec)
        return
    batch: list[_Piece] = []
    for p in pieces:
        if run.stopped:
            return
        if p.is_ramp:
            _flush_constant(run, batch, state, rec)
            batch = []
            _exact_ramp_shared(run, p, state, rec)
        else:
            batch.append(p)
            if len(batch) == MAP_CHUNK:
                _flush_constant(run, batch, state, rec)
                batch = []
    if not run.stopped:
        _flush_constant(run, batch, state, rec)


def _shared_maps(run: _Run, v: np.ndarray, dt: np.ndarray):
    """Maps of scalar-parameter models for intervals (v, dt): (M, ns, ns), (M, ns)."""
    n_s, m = len(run.model.state_names), v.size
    if _has_compartments(run.model):  # accurate for stiff rates (physics.kinetics)
        q = np.asarray(run.model.compartment_generator(v, run.params), dtype=float)
        q = np.moveaxis(np.broadcast_to(q.reshape(n_s + 1, n_s + 1, -1), (n_s + 1, n_s + 1, m)), -1, 0)
        return compartment_affine_maps(q, np.broadcast_to(dt, (m,)))
    if _has_generator(run.model):  # compiled batched exponential, one per interval
        a, b = run.model.generator(v, run.params)
        a = np.broadcast_to(np.asarray(a, dtype=float).reshape(n_s, n_s, -1), (n_s, n_s, m))
        b = np.broadcast_to(np.asarray(b, dtype=float).reshape(n_s, -1), (n_s, m))
        with np.errstate(all="ignore"):
            phi, psi = expm_affine(a, b, dt)
    else:
        phi, psi = run.model.affine_map(v, dt, run.params)
    phi = np.broadcast_to(np.asarray(phi, dtype=float).reshape(n_s, n_s, -1), (n_s, n_s, m))
    psi = np.broadcast_to(np.asarray(psi, dtype=float).reshape(n_s, -1), (n_s, m))
    return (np.ascontiguousarray(np.moveaxis(phi, 2, 0)),
            np.ascontiguousarray(np.moveaxis(psi, 1, 0)))


def _maps_finite(run: _Run, phi, psi, times, seg: int | list) -> bool:
    ok = np.all(np.isfinite(phi), axis=(1, 2)) & np.all(np.isfinite(psi), axis=1)
    if ok.all():
        return True
    k = int(np.argmin(ok))
    s = seg[k] if isinstance(seg, list) else seg
    run.fail(run.active.copy(), NON_FINITE, "the model's exact map is non-finite",
             float(times[k]), s)
    return False


def _apply_shared(run: _Run, phi, psi, state, save_idx, times, volts, segs, rec) -> None:
    """Kernel call, then check and record the saved states and the final state."""
    out = apply_affine_maps_shared(state, phi, psi, save_idx)
    run.n_steps += phi.shape[0]
    for s in range(out.shape[0]):
        run.check(out[s], times[s], segs[s])
        rec.add(times[s], volts[s], segs[s], out[s], run.active)


def _flush_constant(run: _Run, batch: list[_Piece], state, rec) -> None:
    if not batch:
        return
    v = np.array([p.v0 for p in batch])
    dt = np.array([p.t1 - p.t0 for p in batch])
    phi, psi = _shared_maps(run, v, dt)
    if not _maps_finite(run, phi, psi, [p.t0 for p in batch], [p.seg for p in batch]):
        return
    saved = [k for k, p in enumerate(batch) if p.n_save]
    _apply_shared(run, phi, psi, state, saved, [batch[k].t1 for k in saved],
                  [batch[k].v1 for k in saved], [batch[k].seg for k in saved], rec)
    run.check(state, batch[-1].t1, batch[-1].seg)


def _ramp_v_dt(p: _Piece, k: int):
    """Midpoint voltages [V] and durations [s] of k equal constant sub-intervals of a ramp."""
    v = p.v0 + (np.arange(k) + 0.5) / k * (p.v1 - p.v0)
    return v, np.full(k, (p.t1 - p.t0) / k)


def _compose(phi: np.ndarray, psi: np.ndarray):
    """One affine map equal to applying maps 0 … K-1 in order (pairwise tree)."""
    while phi.shape[0] > 1:
        m = phi.shape[0] // 2 * 2
        a_phi, a_psi, b_phi, b_psi = phi[0:m:2], psi[0:m:2], phi[1:m:2], psi[1:m:2]
        c_phi = b_phi @ a_phi
        c_psi = np.einsum("kij,kj->ki", b_phi, a_psi) + b_psi
        if phi.shape[0] > m:
            c_phi = np.concatenate([c_phi, phi[m:]])
            c_psi = np.concatenate([c_psi, psi[m:]])
        phi, psi = c_phi, c_psi
    return phi[0], psi[0]


def _rel_change(run: _Run, old: np.ndarray, new: np.ndarray) -> float:
    """Largest change between two refinements, relative to |new| with a floor of 1e-4 of each
    state's bounds range: a nearly empty state (a trap class emptying as V returns to 0 V) is
    resolved to 1e-8 of its range, not chased to round-off."""
    a = run.active
    if not a.any():
        return 0.0
    floor = run.opts.atol + 1e-4 * _state_spans(run)[:, None]
    change = np.abs(new[:, a] - old[:, a]) / (floor + np.abs(new[:, a]))
    worst = float(np.max(change))
    return worst if np.isfinite(worst) else 0.0  # non-finite states are reported by check()


def _state_spans(run: _Run) -> np.ndarray:
    lo, hi, _ = _bounds(run.model)
    span = hi - lo
    return np.where(np.isfinite(span), span, 1.0)


def _refine_ramp(run: _Run, p: _Piece, end_state: Callable[[int], np.ndarray]) -> int:
    """Sub-interval count K = base·2^m for a ramp: double until the end state settles."""
    k = p.base
    if run.opts.ramp_steps is not None:
        return k
    previous = end_state(k)
    cap = max(RAMP_MAX_STEPS, p.base)
    while 2 * k <= cap:
        k *= 2
        current = end_state(k)
        if _rel_change(run, previous, current) <= run.opts.ramp_tol:
            return k
        previous = current
    warnings.warn(f"integrate: ramp of segment {p.seg} did not reach ramp_tol = "
                  f"{run.opts.ramp_tol:g} with {k} sub-intervals; using {k}.",
                  RuntimeWarning, stacklevel=5)
    return k


def _extrapolated_group_maps(run: _Run, p: _Piece, k: int, groups: int):
    """Per-group maps of a ramp cut into k midpoint sub-intervals, Richardson-extrapolated.

    The midpoint rule is second order for slow state variables but only first order for stiff
    ones (they settle to the equilibrium of the sub-interval's midpoint voltage, lagging V(t) by
    half a sub-interval). Combining the maps for k and 2k sub-intervals as 2·M(2k) - M(k) removes
    the first-order term and keeps second order for both (local extrapolation per saved group).
    """
    def group_maps(kk):
        phi, psi = _shared_maps(run, *_ramp_v_dt(p, kk))
        per = kk // groups
        comp = [_compose(phi[g * per:(g + 1) * per], psi[g * per:(g + 1) * per]) for g in range(groups)]
        return np.array([c[0] for c in comp]), np.array([c[1] for c in comp])

    phi_k, psi_k = group_maps(k)
    phi_2k, psi_2k = group_maps(2 * k)
    phi_x, psi_x = 2 * phi_2k - phi_k, 2 * psi_2k - psi_k
    lo, hi, _ = _bounds(run.model)
    unsafe = _extrapolation_breaks_bounds(phi_2k, psi_2k, phi_x, psi_x, lo, hi, run.model.inventory_states)
    phi_x[unsafe], psi_x[unsafe] = phi_2k[unsafe], psi_2k[unsafe]
    return np.ascontiguousarray(phi_x), np.ascontiguousarray(psi_x)


def _row_ranges(phi, psi, lo, hi, inventory=()) -> tuple[np.ndarray, np.ndarray]:
    """Least and greatest value (G, ns) each row of the maps (G, ns, ns), (G, ns) gives over the
    admissible states: [lo_j, hi_j] for each state, except the ``inventory`` states, fractions of
    one inventory (each >= 0, their sum <= 1), whose extreme points are 0 and the unit vectors."""
    box = np.ones(phi.shape[-1], dtype=bool)
    box[list(inventory)] = False

    def weighted(coef, bound):  # Σ_j coef_j·bound_j, with 0·inf = 0
        with np.errstate(invalid="ignore"):
            return np.where(coef == 0.0, 0.0, coef * bound).sum(axis=-1)

    pos, neg = np.maximum(phi[..., box], 0.0), np.minimum(phi[..., box], 0.0)
    least = psi + weighted(pos, lo[box]) + weighted(neg, hi[box])
    most = psi + weighted(pos, hi[box]) + weighted(neg, lo[box])
    if inventory:
        fractions = phi[..., list(inventory)]
        least = least + np.minimum(fractions.min(axis=-1), 0.0)
        most = most + np.maximum(fractions.max(axis=-1), 0.0)
    return least, most


def _extrapolation_breaks_bounds(phi_f, psi_f, phi_x, psi_x, lo, hi, inventory=()) -> np.ndarray:
    """Rows (G, ns) where the fine map keeps its state inside the bounds but the extrapolated map
    does not: a population that empties or fills within one sub-interval (a rate that changes
    e-fold within it) makes 2·M(2k) - M(k) overshoot. Those rows keep the fine map (first order
    for that population, but inside its bounds); each row approximates the same exact map, so
    the others stay second order."""
    tol = 1e-12 * (1.0 + np.where(np.isfinite(hi), np.abs(hi), 0.0))

    def inside(phi, psi):
        least, most = _row_ranges(phi, psi, lo, hi, inventory)
        return (least >= lo - tol) & (most <= hi + tol)

    return inside(phi_f, psi_f) & ~inside(phi_x, psi_x)


def _exact_ramp_shared(run: _Run, p: _Piece, state, rec) -> None:
    groups = max(p.n_save, 1)

    def end_state(k):
        phi, psi = _compose(*_extrapolated_group_maps(run, p, k, groups))
        return phi @ state + psi[:, None]

    k = _refine_ramp(run, p, end_state)
    c_phi, c_psi = _extrapolated_group_maps(run, p, k, groups)
    if not _maps_finite(run, c_phi, c_psi, p.sub_times(groups)[:-1], p.seg):
        return
    # Shared maps: the sub-maps between saved points are composed, so each device sees one map
    # per saved sub-interval whatever k is (the device work does not grow with the refinement).
    saved, times = (list(range(groups)), list(p.sub_times(groups)[1:])) if p.n_save else ([], [])
    _apply_shared(run, c_phi, c_psi, state, saved, times, [p.voltage(t) for t in times],
                  [p.seg] * len(saved), rec)
    run.n_steps += 3 * k - groups
    run.check(state, p.t1, p.seg)


def _run_exact_per_device(run: _Run, pieces: list[_Piece], state, rec, *,
                          memoise: bool = True) -> None:
    """Per-device parameters: runs of constant pieces go through :func:`_flush_per_device`
    (maps memoised per distinct (V, dt), applied by a cache-blocked kernel); ramps piece by
    piece."""
    batch: list[_Piece] = []
    for p in pieces:
        if run.stopped:
            return
        if p.is_ramp:
            _flush_per_device(run, batch, state, rec, memoise)
            batch = []
            if run.stopped:
                return
            _exact_piece_per_device(run, p, state, rec)
        else:
            batch.append(p)
            if len(batch) == MAP_CHUNK:
                _flush_per_device(run, batch, state, rec, memoise)
                batch = []
    if not run.stopped:
        _flush_per_device(run, batch, state, rec, memoise)


def _distinct_segments(v: np.ndarray, dt: np.ndarray, t_scale: float, memoise: bool = True):
    """Distinct (V, dt) pairs of constant pieces: (v_u, dt_u, index of each piece's pair).

    Durations differing by no more than the round-off of the time grid (t1 - t0 is computed
    from absolute times, 16 ulp of ``t_scale``) count as one; the first one seen is used.
    With ``memoise=False`` every piece is its own pair.
    """
    if not memoise:
        return v, dt, np.arange(v.size)
    tol = 16 * np.finfo(float).eps * max(t_scale, 1e-300)
    reps: dict[float, list[tuple[float, int]]] = {}
    v_u: list[float] = []
    dt_u: list[float] = []
    index = np.empty(v.size, dtype=np.int64)
    for k in range(v.size):
        cands = reps.setdefault(float(v[k]), [])
        for d, u in cands:
            if abs(dt[k] - d) <= tol:
                index[k] = u
                break
        else:
            index[k] = len(v_u)
            cands.append((float(dt[k]), len(v_u)))
            v_u.append(float(v[k]))
            dt_u.append(float(dt[k]))
    return np.array(v_u), np.array(dt_u), index


def _slice_params(params, j0: int, j1: int):
    """Params restricted to devices j0 … j1-1 (per-device arrays sliced, scalars kept)."""
    arrays = {f.name: getattr(params, f.name)[j0:j1] for f in dataclasses.fields(params)
              if np.ndim(getattr(params, f.name)) == 1}
    return dataclasses.replace(params, **arrays)


def _has_compartments(model) -> bool:
    gen = getattr(type(model), "compartment_generator", None)
    return gen is not None and gen is not getattr(DeviceModel, "compartment_generator", None)


def _has_generator(model) -> bool:
    gen = getattr(type(model), "generator", None)
    return gen is not None and gen is not getattr(DeviceModel, "generator", None)


def _device_maps(run: _Run, v: float, dt: float, params, m: int, phi_out=None, psi_out=None):
    """Per-device maps (ns, ns, m), (ns, m) over a constant interval (v [V], dt [s]).

    With a model generator (dx/dt = A x + b) the maps come from the compiled batched
    exponential (:func:`expm_affine`); otherwise from ``model.affine_map``.
    """
    n_s = len(run.model.state_names)
    if phi_out is None:
        phi_out, psi_out = np.empty((n_s, n_s, m)), np.empty((n_s, m))
    if _has_compartments(run.model):
        q = np.asarray(run.model.compartment_generator(v, params), dtype=float)
        q = np.moveaxis(np.broadcast_to(q.reshape(n_s + 1, n_s + 1, -1), (n_s + 1, n_s + 1, m)), -1, 0)
        phi, psi = compartment_affine_maps(q, dt)
        phi_out[...] = np.moveaxis(phi, 0, -1)
        psi_out[...] = np.moveaxis(psi, 0, -1)
    elif _has_generator(run.model):
        a, b = run.model.generator(v, params)
        a = np.broadcast_to(np.asarray(a, dtype=float).reshape(n_s, n_s, -1), (n_s, n_s, m))
        b = np.broadcast_to(np.asarray(b, dtype=float).reshape(n_s, -1), (n_s, m))
        with np.errstate(all="ignore"):
            expm_affine(a, b, dt, phi_out, psi_out)
    else:
        phi, psi = _as_float(run.model.affine_map(v, dt, params))
        phi_out[...] = np.broadcast_to(phi.reshape(n_s, n_s, -1), (n_s, n_s, m))
        psi_out[...] = np.broadcast_to(psi.reshape(n_s, -1), (n_s, m))
    return phi_out, psi_out


def _flush_per_device(run: _Run, batch: list[_Piece], state, rec, memoise: bool = True) -> None:
    """Constant pieces with per-device parameters: one map per device and distinct (V, dt)
    ("rates once per distinct segment"), then all pieces applied block by block of devices.
    Bounds are checked (and round-off clipped) at saved points and at the end of the batch."""
    if not batch:
        return
    n_s, n = state.shape
    v = np.array([p.v0 for p in batch])
    dt = np.array([p.t1 - p.t0 for p in batch])
    v_u, dt_u, seq = _distinct_segments(v, dt, max(abs(batch[-1].t1), abs(batch[0].t0)),
                                        memoise)
    saved = [k for k, p in enumerate(batch) if p.n_save]
    out = np.empty((len(saved), n_s, n))
    for j0 in range(0, n, DEVICE_CHUNK):
        j1 = min(n, j0 + DEVICE_CHUNK)
        sub = run.params if (j0, j1) == (0, n) else _slice_params(run.params, j0, j1)
        phi_tab = np.empty((v_u.size, n_s, n_s, j1 - j0))
        psi_tab = np.empty((v_u.size, n_s, j1 - j0))
        for u in range(v_u.size):
            _device_maps(run, float(v_u[u]), float(dt_u[u]), sub, j1 - j0, phi_tab[u],
                         psi_tab[u])
        apply_affine_maps_per_device(state, phi_tab, psi_tab, seq, saved, out, j0)
        del phi_tab, psi_tab
    run.n_steps += len(batch)
    for s, k in enumerate(saved):
        p = batch[k]
        run.check(out[s], p.t1, p.seg)
        rec.add(p.t1, p.v1, p.seg, out[s], run.active)
    run.check(state, batch[-1].t1, batch[-1].seg)


def _exact_piece_per_device(run: _Run, p: _Piece, state, rec) -> None:
    """Per-device parameters: maps evaluated per segment, vectorised over devices."""
    k = 1
    if p.is_ramp:
        k = _refine_ramp(run, p, lambda kk: _walk_per_device(run, p, kk, state.copy(), []))
    times = list(p.sub_times(max(p.n_save, 1))[1:]) if p.is_ramp else [p.t1]
    saved = [0] if p.n_save else []
    snapshots: list[np.ndarray] = []
    state[...] = _walk_per_device(run, p, k, state, saved, snapshots)
    for snap, t in zip(snapshots, times):
        run.check(snap, t, p.seg)
        rec.add(t, p.voltage(t), p.seg, snap, run.active)
    run.check(state, p.t1, p.seg)
    run.n_steps += k


def _walk_per_device(run: _Run, p: _Piece, k: int, x, saved, snapshots=None) -> np.ndarray:
    """Apply a piece's maps per device. On ramps, each saved group of k midpoint sub-intervals is
    Richardson-extrapolated against 2k half intervals, as in ``_extrapolated_group_maps`` (a
    device whose extrapolated state leaves the bounds keeps the fine walk)."""
    params = run.params
    if not p.is_ramp:
        x = apply_affine(*_device_maps(run, p.v0, p.t1 - p.t0, params, x.shape[1]), x)
        if snapshots is not None and saved:
            snapshots.append(x.copy())
        return x
    groups = max(p.n_save, 1)

    def walk(x0, kk, g):
        v, dt = _ramp_v_dt(p, kk)
        per = kk // groups
        for j in range(g * per, (g + 1) * per):
            x0 = apply_affine(*_device_maps(run, float(v[j]), float(dt[j]), params, x0.shape[1]),
                              x0)
        return x0

    for g in range(groups):
        fine = walk(x, 2 * k, g)
        x = 2 * fine - walk(x, k, g)
        # where extrapolation overshoots a bound (a population emptied within one sub-interval),
        # that state of that device keeps the fine walk, as the shared path does per map row
        _, out = run.violations(x)
        x[out] = fine[out]
        if snapshots is not None and p.n_save:
            snapshots.append(x.copy())
    return x


def _as_float(maps):
    return tuple(np.asarray(m, dtype=float) for m in maps)
