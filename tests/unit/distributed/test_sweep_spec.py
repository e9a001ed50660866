"""Sweep spec parsing: expansion counts, seeded random points, and every bad input naming its key."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nanoionic._core.errors import ParameterError
from nanoionic._core.units import EV
from nanoionic.distributed import load_spec, parse_spec

PROTOCOL = "repeat 3 { pulse 10 V for 100 ms; wait 100 ms; read 1 V for 10 ms }"
BASE = {"sweep": {"device": "ZnTPP/AlOx", "protocol": PROTOCOL, "devices": 250, "devices_per_task": 100,
                  "seeds": [1, 2], "metrics": ["final_conductance", "max_current"]}}


def spec(**tables):
    data = copy.deepcopy(BASE)
    for name, table in tables.items():
        data.setdefault(name, {}).update(table)
    return data


def test_grid_expansion_counts_points_seeds_and_chunks():
    s = parse_spec(spec(grid={"temperature": [280, "300 K", 320.0], "area": ["5e-8 m2", 1e-7]}))
    assert len(s.points) == 6
    assert s.points[1] == {"temperature": 280.0, "area": 1e-7}
    tasks = s.tasks()
    assert len(tasks) == 6 * 2 * 3  # points × seeds × ceil(250 / 100)
    assert [t.n_devices for t in tasks[:3]] == [100, 100, 50]
    assert [t.id for t in tasks] == list(range(len(tasks)))
    # chunks tile the population of each seed
    assert [(t.seed, t.device_offset) for t in tasks[:3]] == [(tasks[0].seed, 0), (tasks[0].seed, 100), (tasks[0].seed, 200)]


def test_no_grid_is_one_point_and_energies_take_ev():
    assert parse_spec(spec()).points == ({},)
    s = parse_spec(spec(grid={"release_barrier": ["1.5 eV", "1550 meV"]}))
    assert s.grid["release_barrier"] == pytest.approx((1.5 * EV, 1.55 * EV))


def test_random_sampling_is_seeded_and_independent_of_table_order():
    table = {"n": 20, "seed": 7, "release_barrier": {"uniform": ["1.5 eV", "1.6 eV"]},
             "attempt_frequency": {"loguniform": [1e12, 1e14]}, "temperature": {"normal": ["300 K", "5 K"]}}
    a = parse_spec(spec(random=table)).points
    b = parse_spec(spec(random=dict(reversed(list(table.items()))))).points
    c = parse_spec(spec(random={**table, "seed": 8})).points
    assert len(a) == 20 and a == b and a != c
    rb = np.array([p["release_barrier"] for p in a]) / EV
    assert np.all((rb >= 1.5) & (rb <= 1.6))
    nu = np.array([p["attempt_frequency"] for p in a])
    assert np.all((nu >= 1e12) & (nu <= 1e14))


def test_grid_and_random_combine_as_a_product():
    s = parse_spec(spec(grid={"temperature": [280, 300]}, random={"n": 3, "area": {"uniform": [4e-8, 6e-8]}}))
    assert len(s.points) == 6 and set(s.swept) == {"temperature", "area"}


def test_fingerprint_changes_with_what_determines_results():
    a = parse_spec(spec(grid={"temperature": [280, 300]}))
    assert a.fingerprint() == parse_spec(spec(grid={"temperature": ["280 K", 300]})).fingerprint()
    assert a.fingerprint() != parse_spec(spec(grid={"temperature": [280, 301]})).fingerprint()


def test_load_spec_reads_toml(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(f'[sweep]\nprotocol = "{PROTOCOL}"\nseeds = [3]\n[grid]\ntemperature = [290, 310]\n'
                    '[variability]\narea = {lognormal_sigma = 0.1}\n')
    s = load_spec(path)
    assert len(s.tasks()) == 2 and s.variability == {"area": 0.1} and s.devices == 1000


BAD = [
    ({"grid": {"temprature": [300]}}, r"Unknown parameter in \[grid\].*'temprature'.*Did you mean 'temperature'"),
    ({"grid": {"temperature": []}}, r"'grid.temperature'.*non-empty"),
    ({"grid": {"temperature": ["300 V"]}}, r"'grid.temperature'.*K.*Got '300 V'"),
    ({"grid": {"temperature": ["warm"]}}, r"'grid.temperature'"),
    ({"grid": {"release_barrier": ["1.5 eVV"]}}, r"'grid.release_barrier'"),
    ({"grid": {"temperature": [-5]}}, r"'grid.temperature'.*out of range.*temperature"),
    ({"sweep": {"devices_per_task": -3}}, r"'sweep.devices_per_task'.*integer >= 1.*-3"),
    ({"sweep": {"devices": 0}}, r"'sweep.devices'.*integer >= 1"),
    ({"sweep": {"seeds": []}}, r"'sweep.seeds'"),
    ({"sweep": {"seeds": [1, -2]}}, r"'sweep.seeds'"),
    ({"sweep": {"metrics": ["final_conductanse"]}}, r"Unknown metric.*'final_conductanse'.*Did you mean 'final_conductance'"),
    ({"sweep": {"metrics": []}}, r"'sweep.metrics'"),
    ({"sweep": {"protocol": "pulse 10 V for 100 ms"}}, r"'sweep.metrics'.*no 'read' step"),
    ({"sweep": {"protocol": "pulse 10 Q for 1 ms"}}, r"'sweep.protocol'"),
    ({"sweep": {"device": "ZnTPP/AlOy"}}, r"'sweep.device'.*Did you mean 'ZnTPP/AlOx'"),
    ({"sweep": {"method": "rk4"}}, r"Unknown method.*'rk4'"),
    ({"sweep": {"n_devices": 3}}, r"Unknown key of \[sweep\].*'n_devices'"),
    ({"gird": {"temperature": [300]}}, r"Unknown table.*'gird'.*Did you mean 'grid'"),
    ({"random": {"n": -1, "area": {"uniform": [1e-8, 2e-8]}}}, r"'random.n'.*integer >= 1.*-1"),
    ({"random": {"n": 4, "area": {"uniform": [2e-8, 1e-8]}}}, r"'random.area.uniform'.*low < high"),
    ({"random": {"n": 4, "area": {"uniform": [1e-8, 1e-8]}}}, r"'random.area.uniform'.*empty range"),
    ({"random": {"n": 4, "area": {"loguniform": [0, 1e-8]}}}, r"'random.area.loguniform'.*0 < low"),
    ({"random": {"n": 4, "area": {"normal": [1e-8, -1e-9]}}}, r"'random.area.normal'.*deviation > 0"),
    ({"random": {"n": 4, "area": {"gaussian": [1e-8, 1e-9]}}}, r"Unknown distribution.*'gaussian'"),
    ({"random": {"n": 4, "release_barrier": {"uniform": ["1.5 eV", "1.6 V"]}}}, r"'random.release_barrier.uniform'.*1.6 V"),
    ({"random": {"n": 4, "are": {"uniform": [1e-8, 2e-8]}}}, r"Unknown parameter in \[random\].*'are'.*Did you mean 'area'"),
    ({"random": {"n": 4}}, r"'random'.*at least one parameter"),
    ({"variability": {"area": {"lognormal_sigma": 2.0}}}, r"'variability.area.lognormal_sigma'.*\[0, 1\]"),
    ({"variability": {"aera": {"lognormal_sigma": 0.1}}}, r"Unknown parameter in \[variability\].*Did you mean 'area'"),
    ({"variability": {"area": {"sigma": 0.1}}}, r"Unknown spread.*'sigma'"),
    ({"sweep": {"devices": 10**12, "devices_per_task": 1000}}, r"'sweep.devices'.*at most 1,000,000 tasks"),
    ({"sweep": {"devices": 10**9, "devices_per_task": 10**9}}, r"'sweep.devices_per_task'.*at most 10,000,000"),
]


@pytest.mark.parametrize(("tables", "message"), BAD, ids=[m[:40] for _, m in BAD])
def test_bad_spec_is_an_error_naming_the_key(tables, message):
    with pytest.raises(ParameterError, match=message):
        parse_spec(spec(**tables))


def test_grid_and_random_on_the_same_parameter_is_an_error():
    with pytest.raises(ParameterError, match=r"'random.area'.*not also in \[grid\]"):
        parse_spec(spec(grid={"area": [1e-8]}, random={"n": 2, "area": {"uniform": [1e-8, 2e-8]}}))


def test_missing_or_invalid_file(tmp_path):
    with pytest.raises(ParameterError, match="'spec'"):
        load_spec(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[sweep\n")
    with pytest.raises(ParameterError, match="not valid TOML"):
        load_spec(bad)
