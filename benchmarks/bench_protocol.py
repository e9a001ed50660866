"""Protocol compilation: a 10^5-repeat pulse train (2x10^5 segments) compiled from text."""

from __future__ import annotations

import time

from nanoionic import compile_protocol

TEXT = "repeat 100000 { pulse 1 V for 1 us; wait 1 us }"
TARGET_S = 0.5


def run(repeats: int = 3) -> dict:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        w = compile_protocol(TEXT)
        best = min(best, time.perf_counter() - t0)
    return {"protocol": TEXT, "segments": w.n_segments, "seconds": best, "target_s": TARGET_S}


def format_report(r: dict) -> str:
    return (f"{r['protocol']!r}: {r['segments']} segments in {r['seconds']:.3f} s (best of 3; target < {r['target_s']} s: "
            f"{'met' if r['seconds'] < r['target_s'] else 'MISSED'})")


if __name__ == "__main__":
    print(format_report(run()))
