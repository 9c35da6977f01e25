"""dxdesk core: domain model, local store and services. No Qt, no HTTP."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # Reading the installed metadata costs ~25 ms: only when someone asks.
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("dxdesk")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
