"""Write the example measured traces shipped in ``nanoionic/data/examples/`` (README, fitting).

Two sweeps of the Yakopcic compact model at its knowm-LTspice defaults, written as an SMU/scope
export would be (time [s], V [V], I [uA]; 7 significant digits), with 2 % multiplicative noise
and a +2 uA ammeter offset (seeded):

* ``yakopcic_sine_100Hz.csv``: 600 samples of a 1 V, 100 Hz sine (the trace to fit);
* ``yakopcic_sine_50Hz_0.8V.csv``: 400 samples of a 0.8 V, 50 Hz sine (held out: predicted).

Run ``python scripts/make_fit_examples.py``; the files are deterministic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import nanoionic as ni
from nanoionic.io import write_text_atomic

OUT = Path(__file__).resolve().parent.parent / "src" / "nanoionic" / "data" / "examples"
OFFSET = 2e-6  # [A]
NOISE = 0.02


def write(name: str, amplitude: float, frequency: float, n: int, seed: int) -> Path:
    t = np.linspace(0.0, 1.0 / frequency, n)
    v = amplitude * np.sin(2 * np.pi * frequency * t)
    drive = ni.Measurement(t, v, np.zeros_like(t))
    current = ni.simulate("Yakopcic/knowm-LTspice", drive.waveform(), save=drive.sample_times()).current.values
    measured = current * (1 + NOISE * np.random.default_rng(seed).standard_normal(n)) + OFFSET
    lines = [f"# synthetic measurement: Yakopcic/knowm-LTspice, {amplitude:g} V {frequency:g} Hz sine, "
             f"2 % noise, +2 uA offset (scripts/make_fit_examples.py, seed {seed})", "time [s],V [V],I [uA]"]
    lines += [f"{a:.7g},{b:.7g},{c * 1e6:.7g}" for a, b, c in zip(t, v, measured)]
    return write_text_atomic(OUT / name, "\n".join(lines) + "\n")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    print(write("yakopcic_sine_100Hz.csv", 1.0, 100.0, 600, seed=1))
    print(write("yakopcic_sine_50Hz_0.8V.csv", 0.8, 50.0, 400, seed=2))
