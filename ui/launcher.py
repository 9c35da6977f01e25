"""The ``dxdesk`` command: composes the core CLI, the sync commands and the GUI.

This is the top of the dependency graph (ui → sync → dxdesk), so it is the one
place that may hand the core's command line the pieces above it. Qt is imported
only when the window is actually opened, so headless commands start fast and
work on machines without Qt's system libraries.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from dxdesk import cli
from dxdesk.profile import Profile
from sync import cli as sync_cli
from ui import demo


def has_display() -> bool:
    if sys.platform != "linux":
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal", "vnc")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def gui(args: argparse.Namespace, profile: Profile, console: cli.Console) -> int:
    """Bare ``dxdesk``: the window, or a clear word when there is no display."""
    if not has_display():
        console.error(
            console.vi(
                "Không có màn hình (chưa đặt DISPLAY/WAYLAND_DISPLAY); dùng các lệnh (--help).",
                "No display (DISPLAY/WAYLAND_DISPLAY unset); use the commands (--help).",
            )
        )
        return cli.EXIT_USAGE
    from ui.app import run  # noqa: PLC0415 (Qt only when a window opens)

    return run(profile)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, extensions=[sync_cli.register, demo.register], gui=gui)


if __name__ == "__main__":
    sys.exit(main())
