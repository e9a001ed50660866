"""ngspice subcircuits from compact models (``models.compact.CompactModel``).

Layout of a device subcircuit (pins ``p n``; positive current flows p → n through the device):

* each state x is the voltage of node ``x_<name>`` on a 1 F capacitor charged by a B current source
  equal to dx/dt (Biolek et al. 2009's construction); the capacitor's IC is the subcircuit
  parameter ``x0_<name>`` (default: the pristine state), so transients need ``.tran … uic``; a 1 TΩ resistor gives the node a DC path (it perturbs dx/dt
  by x/1e12 per second);
* each auxiliary is the voltage of node ``a_<name>`` set by a B voltage source;
* the conduction element is a B current source from ``p`` (or the internal node ``d`` after a
  series resistor) to ``n``.

Parameters are subcircuit parameters (``p_<name>``), so an instance may override them. With
``frozen=True`` the states become parameters (``x_<name>``) and the device is a static nonlinear
resistor: what a DC operating point of an array needs.
"""

from __future__ import annotations

import re

from nanoionic._core.version import package_version
from nanoionic.export.expressions import name_mapper, number, render, wrap
from nanoionic.models.compact import CompactModel

STATE_DC_PATH_RESISTANCE = 1e12
"""Resistance [Ohm] from each state node to ground (DC path)."""


def subckt_name(cm: CompactModel) -> str:
    """The subcircuit name of a compact model: its model name with non-identifier chars → '_'."""
    return "ni_" + re.sub(r"\W", "_", cm.name)


def spice_names(cm: CompactModel, frozen: bool = False):
    """Map of compact-expression names to ngspice expressions inside the subcircuit."""
    return name_mapper(cm, v="v(p, n)", vd="v(d, n)" if cm.series_resistance > 0 else "v(p, n)",
                       state="x_{}" if frozen else "v(x_{})", aux="v(a_{})", param="p_{}")


def subcircuit(cm: CompactModel, *, frozen: bool = False) -> str:
    """The ngspice ``.subckt`` text of ``cm`` (see module for the layout)."""
    name_of = spice_names(cm, frozen)
    params = [f"p_{k}={number(x)}" for k, x in cm.parameters.items()]
    if cm.series_resistance > 0:
        params.append(f"p_r_s={number(cm.series_resistance)}")
    prefix = "x_" if frozen else "x0_"
    params += [f"{prefix}{s.name}={number(s.initial)}" for s in cm.states]
    lines = [f"* {cm.name}: {cm.source}" if cm.source else f"* {cm.name}",
             *(f"* {note}" for note in cm.notes),
             wrap(f".subckt {subckt_name(cm)}{'_frozen' if frozen else ''} p n params: {' '.join(params)}")]
    for name, text in cm.auxiliaries:
        lines.append(wrap(f"Ba_{name} a_{name} 0 V={{{render(text, name_of, f'auxiliary {name}')}}}"))
    if not frozen:
        for s in cm.states:
            rate = render(s.rate, name_of, f"rate of {s.name}")
            lines += [f"Cx_{s.name} x_{s.name} 0 1 IC={{x0_{s.name}}}",
                      f"Rx_{s.name} x_{s.name} 0 {number(STATE_DC_PATH_RESISTANCE)}",
                      wrap(f"Bx_{s.name} 0 x_{s.name} I={{{rate}}}")]
    if cm.series_resistance > 0:
        lines.append("Rs p d {p_r_s}")
    top = "d" if cm.series_resistance > 0 else "p"
    lines.append(wrap(f"Bd {top} n I={{{render(cm.current, name_of, 'current')}}}"))
    lines.append(".ends")
    return "\n".join(lines) + "\n"


def library(cm: CompactModel, *, frozen: bool = False) -> str:
    """A ``.lib``-style file: a header saying what it is and how to use it, then the subcircuit."""
    name = subckt_name(cm) + ("_frozen" if frozen else "")
    usage = ("static: states are parameters x_<name>" if frozen
             else "transient with '.tran <step> <stop> uic' so the state capacitors start at their IC")
    header = [f"* nanoionic {package_version()} export of model '{cm.name}' for ngspice",
              f"* usage: X1 top bottom {name}   ({usage})",
              "* states: " + ", ".join(f"{s.name} in [{s.low:g}, {s.high:g}] (node x_{s.name})" for s in cm.states)]
    return "\n".join(header) + "\n" + subcircuit(cm, frozen=frozen)


def pwl_source(name: str, plus: str, minus: str, times, volts) -> str:
    """A PWL voltage source ``V<name>`` through (times [s], volts [V]); times strictly increasing."""
    pairs = " ".join(f"{number(t)} {number(v)}" for t, v in zip(times, volts))
    return wrap(f"V{name} {plus} {minus} PWL({pairs})")
