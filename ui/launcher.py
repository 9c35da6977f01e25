"""The ``dxdesk`` command: composes the core CLI, the sync commands and the GUI.

This is the top of the dependency graph (ui → sync → dxdesk), so it is the one
place that may hand the core's command line the pieces above it. Qt is imported
only when the window is actually opened, so headless commands start fast and
work on machines without Qt's system libraries.

The bare command with a display takes a short cut: the command line (the whole
core, its store and the sync engine) is not imported at all before the first
window. Anything else (a subcommand, --help, --version, an option the short
cut does not know) goes through the full command line, which ends up at the
same window when no subcommand is given.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

# The first window's core modules are imported before Qt on purpose: once PySide6
# is loaded it reads the source of every module imported after it (looking for
# ``from __feature__ import``), which the first window would pay for each of them.
from dxdesk import logsetup, settings  # noqa: F401
from dxdesk.messages import LANGUAGES
from dxdesk.start_recovery import (
    deb_update_interrupted,
    finish_interrupted_move,
    running_program,
)
from ui.display import has_display
from ui.options import WindowOptions

if TYPE_CHECKING:
    import argparse

    from dxdesk.cli import Console
    from dxdesk.paths import Paths


def window_options(argv: Sequence[str]) -> WindowOptions | None:
    """The options of a bare ``dxdesk``, or None when ``argv`` asks for more."""
    if not argv:
        return WindowOptions()  # the desktop icon's start: no parser needed
    import argparse  # noqa: PLC0415 (not for the desktop icon's start)

    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    parser.add_argument("--home")
    parser.add_argument("--lang")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--user")
    try:
        known, rest = parser.parse_known_args(list(argv))
    except argparse.ArgumentError:
        return None
    if rest or (known.lang is not None and known.lang not in LANGUAGES):
        return None  # the full command line explains it
    return WindowOptions(known.home, known.lang, known.verbose, known.user)


def gui(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    """Bare ``dxdesk`` through the full command line: the window, or a clear word
    when there is no display."""
    from dxdesk import cli  # noqa: PLC0415 (loaded already by the caller)

    if not has_display():
        console.error(
            console.vi(
                "Không có màn hình (chưa đặt DISPLAY/WAYLAND_DISPLAY); dùng các lệnh (--help).",
                "No display (DISPLAY/WAYLAND_DISPLAY unset); use the commands (--help).",
            )
        )
        return cli.EXIT_USAGE
    from ui.app import run  # noqa: PLC0415 (Qt only when a window opens)

    return run(WindowOptions(args.home, args.lang, args.verbose, args.user))


def command_line(argv: Sequence[str] | None = None) -> int:
    from dxdesk import cli  # noqa: PLC0415 (the whole core: not for the bare window)
    from sync import bundle_cli, update_cli  # noqa: PLC0415
    from sync import cli as sync_cli  # noqa: PLC0415
    from ui import demo, self_check  # noqa: PLC0415

    extensions = [sync_cli.register, bundle_cli.register, update_cli.register, demo.register,
                  self_check.register]  # fmt: skip
    return cli.main(argv, extensions=extensions, gui=gui)


def finish_deb_update(args: list[str]) -> str | None:
    """The .deb update a power cut stopped: finished, told (what the officer is
    told: the window says it too), and this program started again if the previous
    version came back (sync/deb_start.py)."""
    from dxdesk.paths import Paths  # noqa: PLC0415 (only after a power cut)
    from sync import deb_start  # noqa: PLC0415

    return deb_start.at_start(Paths.resolve(), args).told


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["apply-deb-update"]:  # the .deb's root helper: no settings, no data
        from sync import deb_apply  # noqa: PLC0415

        return deb_apply.main(args[1:])
    finish_interrupted_move(running_program())  # before any window or store opens
    notice = finish_deb_update(args) if deb_update_interrupted(running_program()) else None
    if has_display():
        options = window_options(args)
        if options is not None:
            from ui.app import run  # noqa: PLC0415

            return run(replace(options, notice=notice) if notice else options)
    return command_line(args)


if __name__ == "__main__":
    sys.exit(main())
