"""Alt+letter shortcuts (the "&" in a label or button) are unique in every window and
dialog, in Vietnamese and English, and are letters a keyboard can type (Alt+ạ is not)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMessageBox, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from dxdesk.paths import Paths
from tests.ui.conftest import OFFICER, OFFICER_PASSWORD, ShellFactory, enroll
from ui.about_dialog import AboutDialog
from ui.desktop import Desktop
from ui.login_dialog import LoginDialog
from ui.settings_dialog import SettingsDialog

MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def texts(top: QWidget) -> Iterator[str]:
    """What may carry a mnemonic, among the widgets shown in ``top``."""
    for widget in [top, *top.findChildren(QWidget)]:
        if widget is not top and not widget.isVisibleTo(top):
            continue
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if labelled or isinstance(widget, QAbstractButton):
            yield widget.text()  # type: ignore[attr-defined]  # QLabel or button
        elif isinstance(widget, QGroupBox):
            yield widget.title()
        elif isinstance(widget, QTabWidget):
            yield from (widget.tabText(i) for i in range(widget.count()))


def check(top: QWidget) -> list[str]:
    keys = [(m.group(1), text) for text in texts(top) for m in MNEMONIC.finditer(text)]
    for key, text in keys:
        assert key.isascii() and key.isalnum(), f"Alt+{key} cannot be typed: {text!r}"
    letters = [key.casefold() for key, _ in keys]
    duplicated = {k for k in letters if letters.count(k) > 1}
    assert not duplicated, [text for key, text in keys if key.casefold() in duplicated]
    return letters


@pytest.mark.parametrize("language", ["vi", "en"])
def test_mnemonics_are_unique_in_the_window_and_every_dialog(
    qtbot: QtBot, desktop: Desktop, language: str
) -> None:
    desktop.translations.use(language)
    window = desktop.window
    check(window)
    assert window.select_task("NV-2026-002")  # with an indicator
    window.new_report()
    editor = window.editor
    assert editor is not None
    assert len(check(editor)) >= 7
    editor.results.setPlainText("Đã làm")
    editor.finalize_button.click()
    assert editor.question is not None
    check(editor.question)
    editor.question.reject()
    editor.discard_button.click()
    assert editor.question is not None
    check(editor.question)
    editor.question.reject()
    editor.close()
    dialogs: list[QWidget] = [
        SettingsDialog(desktop.profile.settings, window),
        LoginDialog(desktop.controller, "http://127.0.0.1:9", parent=window),
        AboutDialog("dxdesk", window),
        QMessageBox(QMessageBox.Icon.Information, "dxdesk", "?", parent=window),
    ]
    for dialog in dialogs:
        dialog.show()
        check(dialog)
        dialog.close()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_mnemonics_are_unique_on_the_lock_screen(
    make_shell: ShellFactory, ui_paths: Paths, language: str
) -> None:
    enroll(ui_paths, OFFICER, OFFICER_PASSWORD)
    shell = make_shell(ui_paths)
    shell.translations.use(language)
    check(shell.screen)
    shell.screen.show_sign_in_page()
    check(shell.screen)
