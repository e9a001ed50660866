"""The README's fitting example runs as written, and does what its comments say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import nanoionic as ni

README = Path(__file__).resolve().parents[2] / "README.md"
pytestmark = pytest.mark.slow


def fitting_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Fitting measured data"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_fit_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(fitting_block(), "README.md (fitting example)", "exec"), scope)
    res = scope["res"]
    assert res.converged, res.message
    # the example data: Yakopcic/knowm-LTspice defaults, +2 uA offset, 2 % noise (scripts/make_fit_examples.py)
    assert res.values["vp"] == pytest.approx(0.65, abs=3 * res.standard_errors["vp"])
    assert res.values["current_offset"] == pytest.approx(2e-6, abs=3 * res.standard_errors["current_offset"])
    assert res.traces[0].nrms < 0.03          # at the 2 % noise level
    assert scope["held_out"].nrms < 0.03      # the held-out 50 Hz, 0.8 V sweep is predicted as well
    fitted = ni.Device("fitted.toml")
    assert fitted.params.vp == res.values["vp"]
    assert "held-out NRMS" in capsys.readouterr().out
