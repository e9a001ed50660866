"""The installed package version (recorded in results and exported files)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """nanoionic's version, or "unknown" when running from a source tree without install."""
    try:
        return version("nanoionic")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"
