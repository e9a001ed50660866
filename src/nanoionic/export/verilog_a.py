"""Verilog-A modules from compact models (``models.compact.CompactModel``).

Same structure as the SPICE subcircuit (``export.spice``): each state is the potential of an
internal node ``x_<name>`` obeying ddt(V(x)) = dx/dt; in the static (DC operating point) analysis
the node is held at its initial value instead, so a transient starts from the pristine state
without an initial-condition option. Parameters are module parameters ``p_<name>`` (overridable
per instance); auxiliaries are real variables ``a_<name>``. Compiles with OpenVAF(-reloaded).
"""

from __future__ import annotations

from nanoionic._core.version import package_version
from nanoionic.export.expressions import name_mapper, number, render, wrap
from nanoionic.export.spice import subckt_name
from nanoionic.models.compact import CompactModel

STATIC_HOLD_CONDUCTANCE = 1.0
"""Conductance [S] holding a state node at its initial value in the static analysis."""


def va_names(cm: CompactModel):
    """Map of compact-expression names to Verilog-A expressions inside the module."""
    return name_mapper(cm, v="V(p, n)", vd="V(d, n)" if cm.series_resistance > 0 else "V(p, n)",
                       state="V(x_{})", aux="a_{}", param="p_{}")


def module(cm: CompactModel) -> str:
    """The Verilog-A source of ``cm`` (module name as the SPICE subcircuit's)."""
    name_of = va_names(cm)
    internal = [f"x_{s.name}" for s in cm.states] + (["d"] if cm.series_resistance > 0 else [])
    lines = [f"// nanoionic {package_version()} export of model '{cm.name}' (Verilog-A, OpenVAF)",
             f"// {cm.source}" if cm.source else "//", *(f"// {note}" for note in cm.notes),
             "// states: " + ", ".join(f"{s.name} in [{s.low:g}, {s.high:g}] (node x_{s.name})" for s in cm.states),
             '`include "disciplines.vams"', "",
             f"module {subckt_name(cm)}(p, n);",
             "  inout p, n;",
             f"  electrical p, n{''.join(', ' + x for x in internal)};"]
    lines += [f"  parameter real p_{k} = {number(x)};" for k, x in cm.parameters.items()]
    lines += [f"  parameter real p_r_s = {number(cm.series_resistance)};"] if cm.series_resistance > 0 else []
    lines += [f"  parameter real x0_{s.name} = {number(s.initial)};" for s in cm.states]
    if cm.auxiliaries:
        lines.append(f"  real {', '.join('a_' + a for a, _ in cm.auxiliaries)};")
    lines.append("  analog begin")
    for name, text in cm.auxiliaries:
        lines.append(wrap(f"    a_{name} = {render(text, name_of, f'auxiliary {name}')};", continuation="      "))
    for s in cm.states:
        rate = render(s.rate, name_of, f"rate of {s.name}")
        lines += ['    if (analysis("static"))',
                  f"      I(x_{s.name}) <+ (V(x_{s.name}) - x0_{s.name}) * {number(STATIC_HOLD_CONDUCTANCE)};",
                  "    else",
                  wrap(f"      I(x_{s.name}) <+ ddt(V(x_{s.name})) - ({rate});", continuation="        ")]
    top = "d" if cm.series_resistance > 0 else "p"
    if cm.series_resistance > 0:
        lines.append("    I(p, d) <+ V(p, d) / p_r_s;")
    lines.append(wrap(f"    I({top}, n) <+ {render(cm.current, name_of, 'current')};", continuation="      "))
    lines += ["  end", "endmodule", ""]
    return "\n".join(lines)
