"""Print the README's Interop table: every export validation case (export.validation) through
ngspice and through VACASK, with the normalised RMS differences of current and worst state.

Usage: .venv/bin/python scripts/interop_table.py [> docs/interop.md]
"""

from __future__ import annotations

from nanoionic.export.validation import CASES, run_case


def main() -> None:
    print("| case | model | parameters | drive | ngspice I | ngspice worst state | VACASK I | VACASK worst state |")
    print("|---|---|---|---|---|---|---|---|")
    for name in CASES:
        case = CASES[name]
        row = []
        for simulator in ("ngspice", "vacask"):
            check = run_case(name, simulator)
            state, value = max(check.state_nrms.items(), key=lambda kv: kv[1])
            row += [f"{check.current_nrms:.1e}", f"{value:.1e} ({state})"]
        preset = case.preset if not isinstance(case.preset, tuple) else f"{case.preset[0] or 'defaults'} + {case.preset[1]}"
        drive = type(case.drive).__name__.lower()
        print(f"| {name} | {case.model} | {preset or 'defaults'} | {drive} | " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
