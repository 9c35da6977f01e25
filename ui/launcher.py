"""The ``dxdesk`` command: composes the core CLI, the sync commands and the GUI.

This is the top of the dependency graph (ui → sync → dxdesk), so it is the one
place that may hand the core's command line the pieces above it. Qt is imported
only when the window is actually opened, so headless commands start fast and
work on machines without Qt's system libraries.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from dxdesk import cli
from sync import cli as sync_cli


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, extensions=[sync_cli.register])


if __name__ == "__main__":
    sys.exit(main())
