"""The "Export to USB stick" action: every report waiting to be sent, into one file.

Wiring (main window's menu): ``export_bundle_dialog(self, profile, runner)``; connect
the returned object's ``exported`` signal to refresh the outbox. The export runs on
the app's background runner (``ui.background_jobs``); the answer is shown in a
non-blocking message box.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from dxdesk.profile import Profile
from sync.bundle_export import ExportResult, export_bundle
from ui import file_dialogs
from ui.background_jobs import Runner
from ui.failures import error_text

BUNDLE_SUFFIX = ".dxbundle"
# Asks where to write: (parent, suggested path) → chosen path, or None if cancelled.
PathChooser = Callable[[QWidget, Path], Path | None]


def _ask_path(parent: QWidget, suggested: Path) -> Path | None:
    name = file_dialogs.save_file(
        parent,
        QCoreApplication.translate("BundleExporter", "Export reports to a USB stick"),
        str(suggested),
        QCoreApplication.translate("BundleExporter", "dxdesk bundles (*.dxbundle);;All files (*)"),
    )
    return Path(name) if name else None


class BundleExporter(QObject):
    """One export: ask for the file, write it off the GUI thread, say how it went."""

    exported = Signal(object)  # ExportResult, once the file is written

    def __init__(
        self,
        parent: QWidget,
        profile: Profile,
        runner: Runner,
        choose_path: PathChooser | None = None,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._profile = profile
        self._runner = runner
        self._choose_path = choose_path or _ask_path
        self.message: QMessageBox | None = None  # the last answer shown (tests read it)

    def suggested_path(self) -> Path:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        return Path.home() / f"dxdesk-{stamp}{BUNDLE_SUFFIX}"

    def start(self) -> None:
        path = self._choose_path(self._parent, self.suggested_path())
        if path is None:
            return
        actor = self._profile.user.username if self._profile.user is not None else ""
        # The dialog already asked before replacing an existing file.
        job = partial(export_bundle, self._profile, path, overwrite=True, actor=actor)
        self._runner.run(job, self._done, self._failed)

    def _done(self, result: ExportResult) -> None:
        if result.bundle_id is None:
            text = self.tr("No report is waiting to be sent; no file was written.")
        else:
            text = self.tr(
                "%n report(s) written to %1. They stay in the outbox, waiting, until the "
                "receipt is imported or a sync confirms them.",
                "",
                result.reports,
            ).replace("%1", str(result.path))
            if result.left_out:
                text += "\n\n" + self.tr(
                    "%n more report(s) did not fit in this file: export again to another file.",
                    "",
                    result.left_out,
                )
        self._show(QMessageBox.Icon.Information, text)
        self.exported.emit(result)

    def _failed(self, error: BaseException) -> None:
        self._show(QMessageBox.Icon.Warning, error_text(error))

    def _show(self, icon: QMessageBox.Icon, text: str) -> None:
        box = QMessageBox(icon, self.tr("Export to USB stick"), text, parent=self._parent)
        box.open()  # not exec(): the window stays responsive
        self.message = box


def export_bundle_dialog(
    parent: QWidget,
    profile: Profile,
    runner: Runner,
    choose_path: PathChooser | None = None,
) -> BundleExporter:
    """Run the export action; the returned object (owned by ``parent``) emits
    ``exported`` when a file was written."""
    exporter = BundleExporter(parent, profile, runner, choose_path)
    exporter.start()
    return exporter
