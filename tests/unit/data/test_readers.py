"""Tests of nanoionic.data's readers: CSV traces, oscilloscope exports, SMU sweeps, dispatch, errors."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from nanoionic._core.errors import ParameterError
from nanoionic._core.units import parse_quantity
from nanoionic.data import read_csv_trace, read_measurement, read_scope, read_smu_sweep


def write(tmp_path, text, name="trace.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------ CSV traces


@pytest.mark.parametrize("role, label, cell, text", [
    ("current", "I [uA]", "5", "5 uA"),
    ("current", "I [uA]", "0.1", "0.1 uA"),
    ("current", "Current (nA)", "-3.3", "-3.3 nA"),
    ("current", "I_uA", "7e-2", "7e-2 uA"),
    ("current", "I (µA)", "2.5", "2.5 µA"),
    ("voltage", "V [mV]", "12.5", "12.5 mV"),
    ("time", "t (ms)", "0.3", "0.3 ms"),
    ("time", "t(us)", "17", "17 us"),
])
def test_units_convert_exactly_like_parse_quantity(tmp_path, role, label, cell, text):
    roles = ["time", "voltage", "current"]
    header = {"time": "time", "voltage": "V", "current": "I", role: label}
    first = {"time": "0", "voltage": "0", "current": "0", role: cell}
    path = write(tmp_path, ",".join(header[r] for r in roles) + "\n" + ",".join(first[r] for r in roles)
                 + "\n1000,1,1\n")
    m = read_csv_trace(path)
    base = {"time": "s", "voltage": "V", "current": "A"}[role]
    assert getattr(m, role)[0] == parse_quantity(text, base)
    assert m.meta["columns"][role] == label and role not in m.meta["assumed_si"]
    assert sorted(m.meta["assumed_si"]) == sorted(r for r in roles if r != role)


def test_plain_csv_with_preamble_comments_and_provenance(tmp_path):
    text = ("# measured on probe station 2\nOperator,someone\nSample,D3\n"
            "Time (s),Vdevice,Idevice (mA)\n0,0,0\n0.5,1,0.25\n1.0,2,0.5\n")
    path = write(tmp_path, text, "d3.csv")
    m = read_csv_trace(path)
    np.testing.assert_array_equal(m.time, [0, 0.5, 1.0])
    np.testing.assert_array_equal(m.voltage, [0, 1, 2])
    np.testing.assert_array_equal(m.current, [0, 0.25e-3, 0.5e-3])
    assert m.name == "d3" and m.source == str(path.resolve()) and m.interpolation == "linear"
    assert m.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert m.meta["assumed_si"] == ["voltage"] and m.meta["units"]["current"] == "mA"
    assert m.meta["preamble"] == {"Operator": "someone", "Sample": "D3"}
    assert read_csv_trace(path, name="other", interpolation="step").name == "other"


@pytest.mark.parametrize("text", [
    "t;V;I\n0;0,5;1,5e-6\n1;1,0;3e-6\n",                    # semicolons with decimal commas
    "t\tV\tI\n0\t0,5\t1,5e-6\n1\t1.0\t3e-6\n",               # tabs
    "t  V  I\n0  0.5  1.5e-6\n1  1.0  3e-6\n",               # whitespace
    "t,V,I,\n0,0.5,1.5e-6,\n\n1,1.0,3e-6,\n",                 # trailing delimiters, a blank line
    '"Time, (s)","V (V)","I (A)"\n"0","0.5","1.5e-6"\n"1","1.0","3e-6"\n',  # quoted fields
])
def test_delimiters(tmp_path, text):
    m = read_csv_trace(write(tmp_path, text))
    np.testing.assert_array_equal(m.voltage, [0.5, 1.0])
    np.testing.assert_array_equal(m.current, [1.5e-6, 3e-6])


def test_columns_named_explicitly_by_label_name_or_index(tmp_path):
    path = write(tmp_path, "a [ms],b [V],c [nA],I [A]\n0,1,2,9\n1,2,4,9\n")
    m = read_csv_trace(path, time="a [ms]", voltage="b", current=2)
    np.testing.assert_array_equal(m.current, [2e-9, 4e-9])
    assert m.meta["columns"] == {"time": "a [ms]", "voltage": "b [V]", "current": "c [nA]"}
    headerless = write(tmp_path, "0 1 2\n1 2 4\n", "bare.txt")
    m = read_csv_trace(headerless, time=0, voltage=1, current=2)
    assert m.meta["assumed_si"] == ["time", "voltage", "current"]


def test_weight_column_and_interpolation_comment(tmp_path):
    path = write(tmp_path, "# interpolation: step\ntime [s],V [V],I [A],weight [1]\n0,1,2,0.5\n1,2,3,1\n")
    m = read_csv_trace(path)
    np.testing.assert_array_equal(m.weight, [0.5, 1.0])
    assert m.interpolation == "step" and read_csv_trace(path, interpolation="linear").interpolation == "linear"


def test_other_columns_are_ignored(tmp_path):
    m = read_csv_trace(write(tmp_path, "ID,W [W],t [s],V [V],I [A],R (Ohm)\n7,0,0,0,0,1\n7,1,1,1,1,1\n"))
    assert m.weight is None and m.meta["columns"] == {"time": "t [s]", "voltage": "V [V]", "current": "I [A]"}


def test_windows_1252_file_with_micro_sign(tmp_path):
    path = write(tmp_path, "t [s];V [V];I [µA]\n0;0;1,5\n1;1;2\n", encoding="cp1252")
    m = read_csv_trace(path)
    assert m.current[0] == parse_quantity("1.5 uA", "A") and m.meta["encoding"] == "cp1252"


# ------------------------------------------------------------------------------ CSV errors

GOOD = "time [s],V [V],I [uA]\n0,0,0\n1,1,1\n2,0,0\n"


@pytest.mark.parametrize("text, options, match", [
    ("time [s],V [V],Ix\n0,0,0\n1,1,1\n", {},
     r"'current' parameter of read_csv_trace must be the name of a column of trace.csv: no column has a usual "
     r"current name .*the columns found are 'time \[s\]', 'V \[V\]', 'Ix'\. Got None"),
    (GOOD, {"current": "Idev"}, r"'current' parameter .*the columns found are 'time \[s\]', 'V \[V\]', 'I \[uA\]'\. "
                                r"Got 'Idev'"),
    (GOOD, {"time": 7}, r"'time' parameter .*Got 7"),
    ("time [s],V [V],I [V]\n0,0,0\n1,1,1\n", {},
     r"'current' parameter .*a column in A .*column 'I \[V\]' of trace.csv is in 'V'"),
    ("time [s],V [V],I [furlong]\n0,0,0\n1,1,1\n", {}, r"'current' parameter .*a column in A .*'furlong'"),
    ("time [s],V [V],I [uA]\n0,0,0\n1,nan,1\n2,0,0\n", {},
     r"'path' parameter .*voltage column 'V \[V\]' holds a finite number .*line 3 of trace.csv\)\. Got 'nan'"),
    ("time [s],V [V],I [uA]\n0,0,0\n1,,1\n", {}, r"line 3 of trace.csv\)\. Got 'an empty cell'"),
    ("time [s],V [V],I [uA]\n0,0,0\n1,1\n", {}, r"current column 'I \[uA\]' .*line 3 .*Got 'an empty cell'"),
    ("time [s],V [V],I [uA]\n0,0,0\n1,1,1\nend-of-data\n", {}, r"time column .*line 4 .*Got 'end-of-data'"),
    ("time [s],V [V],I [uA]\n0,0,0\n2,1,1\n1,0,0\n", {},
     r"'path' parameter .*time column 'time \[s\]' strictly increases \(line 4 of trace.csv has t = 1.0 s, "
     r"not after line 3 with t = 2.0 s\)"),
    ("time [s],V [V],I [uA]\n", {}, r"'path' parameter .*with data rows .*no data rows"),
    ("time [s],V [V],I [uA]\n0,0,0\n", {}, r"'path' parameter .*at least 2 data rows"),
    ("time [s],V [kV],I [uA]\n0,0,0\n1,1.5,1\n", {},
     r"voltage \(column 'V \[kV\]'\) stays within \|V\| <= 1000 V, what the models accept \(line 3"),
    ("time [s],V [V],V [mV],I [uA]\n0,0,0,0\n1,1,1,1\n", {}, r"'voltage' parameter .*choose between the columns "
                                                            r"'V \[V\]', 'V \[mV\]'"),
    (GOOD, {"voltage": "time"}, r"'voltage' parameter .*other than the time column"),
    (GOOD, {"interpolation": "cubic"}, r"'interpolation' parameter .*'linear' or 'step'"),
    ("0 1 2\n1 2 4\n", {}, r"'time' parameter .*3 unnamed columns \(no header row"),
    ("time [s],V [V],I [uA],weight\n0,0,0,0\n1,1,1,0\n", {}, r"'weight' parameter .*not all zero"),
])
def test_csv_errors_name_the_item(tmp_path, text, options, match):
    with pytest.raises(ParameterError, match=match):
        read_csv_trace(write(tmp_path, text), **options)


def test_unreadable_files(tmp_path):
    with pytest.raises(ParameterError, match=r"'path' parameter of read_csv_trace must be an existing file .*missing"):
        read_csv_trace(tmp_path / "nope.csv")
    with pytest.raises(ParameterError, match=r"'path' parameter .*a directory"):
        read_csv_trace(tmp_path)
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(ParameterError, match=r"'path' parameter .*NUL \(a binary file\?\)"):
        read_csv_trace(binary)
    with pytest.raises(ParameterError, match=r"'path' parameter .*a file path"):
        read_csv_trace(None)


# ------------------------------------------------------------------------------ oscilloscope

TEK = ("Model,MSO54\nFirmware Version,1.26\n\nWaveform Type,ANALOG\nRecord Length,4\n"
       "Sample Interval,1e-06\nHorizontal Units,s\n\nTIME,CH1,CH2\n"
       "0,0.0,0.0\n1e-06,1.0,0.25\n2e-06,2.0,0.5\n3e-06,-1.0,-0.125\n")


def test_scope_arithmetic_against_hand_computed_values(tmp_path):
    m = read_scope(write(tmp_path, TEK, "tek.csv"), "1 kOhm")
    np.testing.assert_array_equal(m.time, [0, 1e-6, 2e-6, 3e-6])
    np.testing.assert_array_equal(m.voltage, [0.0, 0.75, 1.5, -0.875])   # V_source - V_sense
    np.testing.assert_array_equal(m.current, [0.0, 2.5e-4, 5e-4, -1.25e-4])  # V_sense / 1 kOhm
    assert m.meta["sense_resistance"] == 1000.0 and m.interpolation == "linear"
    assert m.meta["channels"] == {"source": "CH1", "sense": "CH2"}
    assert m.meta["preamble"]["Record Length"] == "4"
    swapped = read_scope(tmp_path / "tek.csv", 50.0, source="CH2", sense="CH1")
    np.testing.assert_array_equal(swapped.current, [0.0, 0.02, 0.04, -0.02])


@pytest.mark.parametrize("text", [
    "x-axis,1,2\nsecond,Volt,Volt\n0,0.0,0.0\n1e-06,1.0,0.25\n2e-06,2.0,0.5\n",          # Keysight
    "Time (s), Channel 1 (V), Channel 2 (V)\n0,0,0\n1e-6,1,0.25\n2e-6,2,0.5\n",         # plain labels
    "Time (us),Channel 1 (V),Channel 2 (mV)\n0,0,0\n1,1,250\n2,2,500\n",                # prefixed units
    "X,CH1,CH2,Start,Increment,\nSequence,Volt,Volt,0.000000e+00,1.000000e-06\n"        # Rigol
    "0,0,0,\n1,1,0.25,\n2,2,0.5,\n",
])
def test_scope_export_shapes(tmp_path, text):
    m = read_scope(write(tmp_path, text), 1e3)
    np.testing.assert_allclose(m.time, [0, 1e-6, 2e-6], rtol=1e-15)
    np.testing.assert_array_equal(m.voltage, [0.0, 0.75, 1.5])
    np.testing.assert_array_equal(m.current, [0.0, 2.5e-4, 5e-4])


@pytest.mark.parametrize("value", [0, -5.0, float("nan"), "1 kV", "abc", True, None])
def test_scope_sense_resistance_must_be_a_positive_resistance(tmp_path, value):
    with pytest.raises(ParameterError, match=r"'sense_resistance' parameter of read_scope must be a positive finite "
                                             r"number \[Ohm\]"):
        read_scope(write(tmp_path, TEK), value)


def test_scope_missing_channel_lists_the_columns(tmp_path):
    with pytest.raises(ParameterError, match=r"'sense' parameter .*the columns found are 'TIME', 'CH1', 'CH3'"):
        read_scope(write(tmp_path, "TIME,CH1,CH3\n0,0,0\n1,1,1\n"), 10.0)


# ------------------------------------------------------------------------------ SMU sweeps

SMU = "Vsource,Imeas\n0,1e-9\n0.1,2e-9\n0.2,4e-9\n0.1,2e-9\n"


def test_smu_step_time(tmp_path):
    m = read_smu_sweep(write(tmp_path, SMU), step_time="10 ms")
    np.testing.assert_array_equal(m.time, 0.01 * np.arange(1, 5))
    np.testing.assert_array_equal(m.voltage, [0, 0.1, 0.2, 0.1])
    assert m.interpolation == "step" and m.meta["step_time"] == 0.01 and m.meta["time_source"] == "step_time"
    wf = m.waveform()
    np.testing.assert_allclose(wf.t_start, [0, 0.01, 0.02, 0.03], rtol=1e-12)
    np.testing.assert_array_equal(wf.v_start, m.voltage)
    np.testing.assert_allclose(m.sample_times(), m.time, rtol=1e-12)


def test_smu_timestamps_keithley_labels(tmp_path):
    text = "Smu1.Time[1][1],Smu1.V[1][1],Smu1.I[1][1]\n5.0,0,1e-9\n5.25,0.1,2e-9\n5.75,0.2,4e-9\n"
    m = read_smu_sweep(write(tmp_path, text))
    np.testing.assert_array_equal(m.time, [5.0, 5.25, 5.75])
    np.testing.assert_array_equal(m.current, [1e-9, 2e-9, 4e-9])
    assert m.meta["time_source"] == "column" and m.meta["columns"]["voltage"] == "Smu1.V[1][1]"
    wf = m.waveform()  # the first step lasts as long as the second: it started at 4.75 s
    np.testing.assert_allclose(wf.duration, [0.25, 0.25, 0.5])
    np.testing.assert_allclose(m.sample_times(), [0.25, 0.5, 1.0])
    ignored = read_smu_sweep(tmp_path / "trace.csv", step_time=1.0)
    assert ignored.meta["ignored_time_column"] == "Smu1.Time[1][1]"


def test_smu_errors(tmp_path):
    path = write(tmp_path, SMU)
    with pytest.raises(ParameterError, match=r"'step_time' parameter of read_smu_sweep must be given .*no time column; "
                                             r"the columns found are 'Vsource', 'Imeas'"):
        read_smu_sweep(path)
    with pytest.raises(ParameterError, match=r"'step_time' parameter .*positive"):
        read_smu_sweep(path, step_time="-1 ms")
    with pytest.raises(ParameterError, match=r"'step_time' parameter .*\[s\]"):
        read_smu_sweep(path, step_time="10 mV")
    with pytest.raises(ParameterError, match=r"'time' parameter .*None when step_time is given"):
        read_smu_sweep(path, step_time=1.0, time="Vsource")


# ------------------------------------------------------------------------------ dispatch


def test_read_measurement_dispatch(tmp_path):
    csv = write(tmp_path, GOOD, "a.csv")
    scope = write(tmp_path, TEK, "b.csv")
    smu = write(tmp_path, SMU, "c.csv")
    assert read_measurement(csv).meta["reader"] == "read_measurement"
    assert read_measurement(csv).interpolation == "linear"
    assert read_measurement(scope, sense_resistance="50 Ohm").meta["sense_resistance"] == 50.0
    assert read_measurement(smu, step_time="1 ms").interpolation == "step"
    assert read_measurement(csv, kind="smu", step_time=1.0).meta["ignored_time_column"] == "time [s]"
    with pytest.raises(ParameterError, match=r"'step_time' parameter of read_measurement must be given"):
        read_measurement(smu)  # no time column: an SMU sweep that needs a step time
    with pytest.raises(ParameterError, match=r"Unknown measurement kind 'scop'\. Did you mean 'scope'\?"):
        read_measurement(csv, kind="scop")
    with pytest.raises(ParameterError, match=r"Unknown option of read_measurement 'sense_resistence'\. "
                                             r"Did you mean 'sense_resistance'\?"):
        read_measurement(scope, sense_resistence=50)
    with pytest.raises(ParameterError, match=r"Unknown option of read_measurement \(kind 'csv'\) 'step_time'"):
        read_measurement(csv, kind="csv", step_time=1.0)
    with pytest.raises(ParameterError, match=r"'sense_resistance' parameter of read_measurement must be given"):
        read_measurement(scope, kind="scope")
