"""``dxdesk self-check``: what an updater runs to see a new version start.

It must prove what the officer will need: the settings read, and the GUI able to
start. So Qt is loaded and an application made on Qt's offscreen platform (nothing
shows, no display needed): a build whose Qt libraries are missing or broken fails
here, and the updater puts the previous version back. Only then is "ok" written to
the file ``DXDESK_STARTED_OK`` names. The store is not opened: it is encrypted
with the officer's password, which an updater does not have.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from dxdesk import __version__, updater
from dxdesk.first_start import load_settings

if TYPE_CHECKING:
    from dxdesk.cli import Console
    from dxdesk.paths import Paths

log = logging.getLogger(__name__)
EXIT_OK, EXIT_FAILED = 0, 1


def gui_starts() -> str:
    """'' when Qt loads and an application can be made; else why not."""
    try:
        from PySide6.QtWidgets import QApplication  # noqa: PLC0415 (the check itself)
    except (ImportError, OSError) as exc:  # a missing or broken library
        return f"Qt cannot be loaded: {exc}"
    if QApplication.instance() is None:
        app = QApplication([sys.argv[0], "-platform", "offscreen"])
        app.processEvents()
    return ""


def cmd_self_check(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    load_settings(paths)
    problem = gui_starts()
    if problem:
        log.error("self-check: %s", problem)
        console.error(problem)
        return EXIT_FAILED
    target = updater.started_ok_file()
    if target is not None:
        target.write_text(updater.STARTED_OK, encoding="ascii")
    console.print(f"dxdesk {__version__}: ok")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("self-check", help=argparse.SUPPRESS)
    p.set_defaults(opener=cmd_self_check)
