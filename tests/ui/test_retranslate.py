"""After vi → en → vi every text the window shows is Vietnamese again: the same as
a window built fresh in Vietnamese."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QTextBrowser,
    QWidget,
)
from pytestqt.qtbot import QtBot

from dxdesk import local_state, reports
from dxdesk.identity.credentials import MemoryTokenStore, TokenStore, account_name
from dxdesk.identity.users import UnlockedUser
from dxdesk.profile import Profile
from sync import client_account
from sync.session import ClientSession
from tests.ui.conftest import OFFICER, SERVER, CrashRecorder
from ui.about_dialog import AboutDialog
from ui.background_jobs import InlineRunner
from ui.crash import CrashHandler
from ui.desktop import Desktop, build
from ui.login_dialog import LoginDialog
from ui.settings_dialog import SettingsDialog


def model_texts(name: str, model: QAbstractItemModel) -> Iterator[tuple[str, str]]:
    root = QModelIndex()
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(root)
    for column in range(columns):
        yield f"{name}/header{column}", str(model.headerData(column, Qt.Orientation.Horizontal))
    for row in range(model.rowCount(root)):
        for column in range(columns):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.index(row, column).data(role)
                yield f"{name}/{row},{column},{role}", str(value)


def shown_texts(top: QWidget) -> dict[str, str]:
    """Every text in ``top``'s widgets, keyed by where it is (class, object path)."""
    found: dict[str, str] = {}
    widgets = [top, *top.findChildren(QWidget)]
    for n, widget in enumerate(widgets):
        key = f"{n}:{type(widget).__name__}"
        parts: list[tuple[str, str]] = [("tooltip", widget.toolTip())]
        if widget is top:
            parts.append(("title", widget.windowTitle()))
        if isinstance(widget, QLabel | QAbstractButton):
            parts.append(("text", widget.text()))
        if isinstance(widget, QLineEdit):
            parts.append(("placeholder", widget.placeholderText()))
        if isinstance(widget, QGroupBox):
            parts.append(("title", widget.title()))
        if isinstance(widget, QTabWidget):
            parts += [(f"tab{i}", widget.tabText(i)) for i in range(widget.count())]
        if isinstance(widget, QComboBox):
            parts += [(f"item{i}", widget.itemText(i)) for i in range(widget.count())]
        if isinstance(widget, QTextBrowser):
            parts.append(("html", widget.toPlainText()))
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            parts += list(model_texts("model", widget.model()))
        for what, text in parts:
            found[f"{key}/{what}"] = text
    for n, action in enumerate(top.findChildren(QAbstractButton)):
        found[f"button{n}/shortcut"] = action.shortcut().toString()
    return found


def build_window(
    profile: Profile,
    unlocked: UnlockedUser,
    crashes: CrashRecorder,
    qtbot: QtBot,
    tokens: TokenStore | None = None,
) -> Desktop:
    built = build(
        ClientSession(profile, tokens or MemoryTokenStore(), unlocked=unlocked), InlineRunner(),
        crash=CrashHandler(profile.paths.log_file, show=crashes), start_sync=False,
    )  # fmt: skip
    qtbot.addWidget(built.window)
    built.window.resize(1024, 700)
    built.window.show()
    return built


def fresh_texts(
    profile: Profile, unlocked: UnlockedUser, crashes: CrashRecorder, qtbot: QtBot, language: str
) -> dict[str, str]:
    profile.settings.language = language
    fresh = build_window(profile, unlocked, crashes, qtbot)
    assert fresh.window.select_task("NV-2026-003")
    texts = shown_texts(fresh.window)
    fresh.close()
    return texts


def differing(shown: dict[str, str], expected: dict[str, str]) -> dict[str, tuple[str, str]]:
    keys = shown.keys() | expected.keys()
    return {
        k: (shown.get(k, ""), expected.get(k, "")) for k in keys if shown.get(k) != expected.get(k)
    }


def test_vi_en_vi_shows_what_a_fresh_window_shows_in_each_language(
    qtbot: QtBot, ui_profile: Profile, ui_unlocked: UnlockedUser, crashes: CrashRecorder
) -> None:
    with ui_profile.db.session() as session:  # the outbox and the banner have words too
        task = reports.find_task(session, "NV-2026-003")
        reports.create_draft(session, task, reports.ReportContent(progress=10, results="Dở"))
    first = build_window(ui_profile, ui_unlocked, crashes, qtbot)
    window = first.window
    assert window.select_task("NV-2026-003")
    window.set_language("en")
    english = shown_texts(window)
    window.set_language("vi")
    vietnamese = shown_texts(window)
    first.close()

    assert differing(english, fresh_texts(ui_profile, ui_unlocked, crashes, qtbot, "en")) == {}
    assert differing(vietnamese, fresh_texts(ui_profile, ui_unlocked, crashes, qtbot, "vi")) == {}
    assert differing(english, vietnamese)  # the switch did change the texts


def open_editor(desktop: Desktop) -> QWidget:
    window = desktop.window
    assert window.select_task("NV-2026-002")
    window.new_report()
    editor = window.editor
    assert editor is not None
    editor.finalize_button.click()  # nothing written: refusals shown inline
    assert editor.errors["results"].text()
    return editor


DIALOGS: dict[str, Callable[[Desktop], QWidget]] = {
    "editor": open_editor,
    "settings": lambda d: SettingsDialog(d.profile.settings, d.window),
    "login": lambda d: LoginDialog(d.controller, "http://127.0.0.1:9", parent=d.window),
    "about": lambda d: AboutDialog("dxdesk", d.window),
}


@pytest.mark.parametrize("name", sorted(DIALOGS))
def test_dialogs_switch_language_like_fresh_ones(desktop: Desktop, name: str) -> None:
    make = DIALOGS[name]
    use = desktop.translations.use

    def fresh(language: str) -> dict[str, str]:
        use(language)
        dialog = make(desktop)
        dialog.show()
        texts = shown_texts(dialog)
        dialog.close()
        return texts

    expected = {language: fresh(language) for language in ("en", "vi")}
    dialog = make(desktop)
    dialog.show()
    use("en")
    assert differing(shown_texts(dialog), expected["en"]) == {}
    use("vi")
    assert differing(shown_texts(dialog), expected["vi"]) == {}
    dialog.close()


def test_signed_in_the_toolbar_shows_who_and_no_log_in(
    qtbot: QtBot, ui_profile: Profile, ui_unlocked: UnlockedUser, crashes: CrashRecorder
) -> None:
    ui_profile.settings.server_url = SERVER
    tokens = MemoryTokenStore()
    signed_out = build_window(ui_profile, ui_unlocked, crashes, qtbot, tokens)
    assert signed_out.window.login_action.isVisible()  # "Đăng nhập": a login is needed
    signed_out.close()

    with ui_profile.db.session() as session:  # what a login leaves behind
        local_state.put(session, client_account.USERNAME, OFFICER.username)
        held = client_account.held_by(session, tokens)
        held.put(account_name(SERVER, OFFICER.username), "token")
        session.commit()
    signed_in = build_window(ui_profile, ui_unlocked, crashes, qtbot, tokens)
    window = signed_in.window
    assert not window.login_action.isVisible()
    assert window.user_button.text() == "Nguyễn Văn A (cb.binhlieu) ▾"
    assert "Đăng nhập" not in [a.text() for a in window.toolbar.actions() if a.isVisible()]
    signed_in.close()
