"""dxdesk core: domain model, local store and services. No Qt, no HTTP."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dxdesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
