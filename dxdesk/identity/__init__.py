"""Who the officer is: local accounts and their password-wrapped keys (vault), unlocking,
the OS keyring or the encrypted profile for tokens, this device's signing key, and the
server key the site pinned."""
