"""Qt's own dialogs speak Vietnamese: the file dialog, every message box kind the
app shows, and the edit menus. A recording translator, asked last, sees exactly
the Qt texts nobody translated; none of them, and no English word, may be visible."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt, QTimer, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui import file_dialogs
from ui.background_jobs import InlineRunner
from ui.bundle_actions import BundleExporter
from ui.desktop import Desktop

NOT_NATIVE = QFileDialog.Option.DontUseNativeDialog
# English words Qt's dialogs would show untranslated (whole words, any case).
ENGLISH = {
    "open", "save", "cancel", "name", "size", "type", "date", "modified", "look", "in",
    "file", "files", "folder", "directory", "yes", "no", "ok", "show", "details", "hide",
    "back", "forward", "parent", "new", "delete", "rename", "hidden", "list", "view",
    "detail", "close", "discard", "apply", "help", "retry", "ignore", "abort", "reset",
    "all", "copy", "paste", "cut", "undo", "redo", "select", "computer", "choose", "bytes",
}  # fmt: skip


class Recorder(QTranslator):
    """Installed before the app's translators, so asked only when they had nothing."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.untranslated: set[str] = set()

    def translate(
        self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        if context.startswith("Q"):  # Qt's own contexts
            self.untranslated.add(source_text)
        return None  # the source text shows, as it would without us

    def isEmpty(self) -> bool:  # noqa: N802 (Qt name)
        return False


@pytest.fixture
def recorder(desktop: Desktop) -> Iterator[Recorder]:
    app = QCoreApplication.instance()
    assert app is not None
    recording = Recorder(app)
    app.installTranslator(recording)
    desktop.translations.use("vi")  # installed again, after the recorder: asked first
    yield recording
    app.removeTranslator(recording)


def visible_texts(top: QWidget) -> set[str]:
    texts = {top.windowTitle()}
    for child in [top, *top.findChildren(QWidget)]:
        if not child.isVisible():
            continue
        if isinstance(child, QLabel | QAbstractButton):
            texts.add(child.text())
        if isinstance(child, QAbstractButton):
            texts.add(child.toolTip())
        if isinstance(child, QComboBox):
            texts |= {child.itemText(i) for i in range(child.count())}
        if isinstance(child, QAbstractItemView) and child.model() is not None:
            model = child.model()
            columns = model.columnCount(child.rootIndex())
            for column in range(columns):
                if not (hasattr(child, "isColumnHidden") and child.isColumnHidden(column)):
                    texts.add(str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
            for row in range(min(model.rowCount(child.rootIndex()), 50)):
                for column in range(columns):
                    texts.add(str(model.index(row, column, child.rootIndex()).data() or ""))
    return {t.replace("&", "").strip() for t in texts} - {""}


def english_in(texts: set[str], untranslated: set[str]) -> list[str]:
    sources = {s.replace("&", "").strip() for s in untranslated}
    found = sorted(t for t in texts if t in sources)
    for text in texts:
        if "/" in text:  # a path the officer's folders give, not Qt's words
            continue
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
        if words & ENGLISH:
            found.append(text)
    return found


def settle(qtbot: QtBot, widget: QWidget) -> None:
    widget.show()
    qtbot.waitExposed(widget)
    for _ in range(5):
        QApplication.processEvents()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    place = tmp_path / "USB"
    (place / "Bao cao cu").mkdir(parents=True)
    (place / "bien-ban.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 5000)
    (place / "anh-hien-truong.jpg").write_bytes(b"\xff\xd8\xff" + b"0" * 2000)
    return place


@pytest.mark.parametrize("mode", ["open", "save"])
def test_file_dialog_is_vietnamese(
    qtbot: QtBot, desktop: Desktop, recorder: Recorder, folder: Path, mode: str
) -> None:
    window = desktop.window
    # An English system: the native dialog would be English, the app uses Qt's.
    assert file_dialogs.options(QLocale(QLocale.Language.English)) == NOT_NATIVE
    assert file_dialogs.options(QLocale(QLocale.Language.Vietnamese)) != NOT_NATIVE
    dialog = file_dialogs.make(window, "Đính kèm tệp", str(folder), "Tài liệu (*.pdf *.jpg)")
    dialog.setOption(NOT_NATIVE)
    dialog.setProxyModel(file_dialogs.LocalFormats(dialog))
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    if mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    settle(qtbot, dialog)
    # Wait for the folder's files, so their names, types and sizes are read too.
    views = [v for v in dialog.findChildren(QAbstractItemView) if v.isVisible()]
    qtbot.waitUntil(lambda: any("bien-ban.pdf" in visible_texts(dialog) for _ in views))
    texts = visible_texts(dialog)
    assert {"Tên", "Kích thước", "Ngày sửa"} <= texts, texts
    assert ("Mở" if mode == "open" else "Lưu") in texts, texts
    # Sizes and dates as the UI writes them, not the system's "4.9 KiB" / "5 bytes".
    assert "4,89 KiB" in texts, texts
    assert any(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", t) for t in texts), texts
    assert english_in(texts, recorder.untranslated) == []
    dialog.reject()


def test_message_boxes_are_vietnamese(qtbot: QtBot, desktop: Desktop, recorder: Recorder) -> None:
    window = desktop.window
    exporter = BundleExporter(window, desktop.profile, InlineRunner(), lambda *_: None)
    exporter._show(QMessageBox.Icon.Information, "Đã ghi 3 báo cáo.")
    info = exporter.message
    assert info is not None
    crash = QMessageBox(QMessageBox.Icon.Warning, "dxdesk", "Có lỗi xảy ra.", parent=window)
    crash.setDetailedText("Traceback …")
    buttons = QMessageBox.StandardButton
    ask = QMessageBox(
        QMessageBox.Icon.Question, "dxdesk", "Huỷ bản nháp?",
        buttons.Yes | buttons.No | buttons.Cancel | buttons.Save | buttons.Discard
        | buttons.Close | buttons.Ok | buttons.Retry, window,
    )  # fmt: skip
    for box in (info, crash, ask):
        settle(qtbot, box)
        texts = visible_texts(box)
        assert english_in(texts, recorder.untranslated) == [], texts
        box.reject()
    assert {"Có", "Không", "Huỷ", "Lưu", "Không lưu", "Đóng", "Đồng ý", "Thử lại"} <= texts


def test_edit_menus_are_vietnamese(desktop: Desktop, recorder: Recorder) -> None:
    line, text = QLineEdit("x"), QPlainTextEdit("x")
    menus: list[QMenu] = [line.createStandardContextMenu(), text.createStandardContextMenu()]
    for menu in menus:
        texts = {a.text().replace("&", "").split("\t")[0] for a in menu.actions()} - {""}
        assert english_in(texts, recorder.untranslated) == [], texts
        assert "Sao chép" in texts


def test_english_again_after_a_switch(desktop: Desktop) -> None:
    desktop.window.set_language("en")
    box = QMessageBox(QMessageBox.Icon.Question, "dxdesk", "?", QMessageBox.StandardButton.Yes)
    assert box.button(QMessageBox.StandardButton.Yes).text().replace("&", "") == "Yes"
    desktop.window.set_language("vi")
    box = QMessageBox(QMessageBox.Icon.Question, "dxdesk", "?", QMessageBox.StandardButton.Yes)
    assert box.button(QMessageBox.StandardButton.Yes).text().replace("&", "") == "Có"


def test_texts_it_does_not_know_are_left_to_others(desktop: Desktop) -> None:
    """Not blanked: Qt takes an empty answer as the translation."""
    assert QCoreApplication.translate("QFileDialog", "No such Qt text") == "No such Qt text"
    assert QCoreApplication.translate("MainWindow", "Sync now") == "Đồng bộ ngay"


@pytest.mark.parametrize("kind", ["open_files", "open_file", "save_file"])
def test_the_apps_file_dialogs_are_qt_dialogs_in_vietnamese(
    desktop: Desktop, folder: Path, kind: str
) -> None:
    """The system here speaks no Vietnamese (the test's C locale, like an English
    Windows): attach, CA certificate and export open Qt's dialog, translated."""
    assert QLocale.system().language() != QLocale.Language.Vietnamese
    seen: list[QWidget | None] = []
    texts: set[str] = set()

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        seen.append(dialog)
        if dialog is not None:
            texts.update(visible_texts(dialog))
            dialog.close()

    QTimer.singleShot(0, look)
    ask = getattr(file_dialogs, kind)
    assert not ask(desktop.window, "Đính kèm tệp", str(folder), "Tài liệu (*.pdf)")
    dialog = seen[0]
    assert isinstance(dialog, QFileDialog)
    assert dialog.testOption(NOT_NATIVE)
    assert isinstance(dialog.proxyModel(), file_dialogs.LocalFormats)
    assert "Tìm trong:" in texts, texts
