"""Where the officer's data lives: the one place that opens the encrypted SQLite store
(db), its tables (models), the attachment files beside it, and recovery from a damaged
or legacy store. Schema changes go through dxdesk/migrations."""
