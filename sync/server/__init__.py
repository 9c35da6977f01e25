"""The reference central tracking server (FastAPI); its libraries are the ``server`` extra.

It shares only :mod:`sync.protocol` with the client and never touches the client's
local store: it has its own tables and migrations.
"""
