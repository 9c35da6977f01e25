"""The HTTP endpoints, one module per concern, all under /api/v1."""
