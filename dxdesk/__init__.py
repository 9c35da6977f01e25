"""dxdesk core: domain model, local store and services. No Qt, no HTTP."""

__version__ = "0.1.0"
