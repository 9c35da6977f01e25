"""Qt translations: English source strings, Vietnamese from ``dxdesk_vi.ts``, and
the English plurals of the ``%n`` strings from ``dxdesk_en.ts`` ("1 day left").

The ``.ts`` files are committed; the compiled ``.qm`` are not. On first start (and
whenever a ``.ts`` is newer) ``pyside6-lrelease`` compiles them into the profile's
cache folder, so a checkout, a wheel and a test all load the same catalogue.
Switching language at run time installs or removes the translator; Qt then sends
every widget a ``LanguageChange`` event and each one re-reads its texts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import PySide6

# Not ``Qt``: its namespace costs ~25 ms to build, and the lock screen needs none of it.
from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QEvent,
    QLocale,
    QObject,
    QTranslator,
)
from PySide6.QtWidgets import QWidget

from dxdesk.paths import resource_dir
from ui.qt_vi import QtVietnamese

if TYPE_CHECKING:
    from typing_extensions import override
else:  # typing_extensions costs ~20 ms before the first window; mypy alone needs it
    from ui.overrides import override

log = logging.getLogger(__name__)

CATALOGUE = "dxdesk"


def ts_file(language: str) -> Path:
    return resource_dir() / "translations" / f"{CATALOGUE}_{language}.ts"


def lrelease() -> Path:
    return Path(PySide6.__file__).with_name("lrelease")


def compiled(language: str, cache: Path) -> Path | None:
    """The ``.qm`` for ``language``, compiled into ``cache`` when missing or stale."""
    source = ts_file(language)
    shipped = source.with_suffix(".qm")  # an installer build compiles it in advance
    if shipped.is_file() and (
        not source.is_file() or shipped.stat().st_mtime >= source.stat().st_mtime
    ):
        return shipped
    if not source.is_file():
        return None
    target = cache / "translations" / f"{CATALOGUE}_{language}.qm"
    if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    import subprocess  # noqa: PLC0415 (only when the catalogue must be compiled)

    try:
        subprocess.run(
            [str(lrelease()), "-silent", str(source), "-qm", str(target)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        # Without the tool the app still works, in the English source strings.
        log.warning("cannot compile %s: %s", source, exc)
        return None
    return target


class Translations:
    """The application's one translator; ``use`` switches language at run time."""

    def __init__(self, app: QCoreApplication, cache: Path) -> None:
        self._app = app
        self._cache = cache
        self._translator: QTranslator | None = None
        self._qt_translator: QTranslator | None = None  # Qt's own dialogs (ui.qt_vi)
        self.language = "en"

    def use(self, language: str) -> bool:
        installed = self._install(language)
        # Deliver the LanguageChange events now, so every widget shows the new
        # language when this returns (not at some later turn of the event loop).
        QCoreApplication.sendPostedEvents()
        return installed

    def uninstall(self) -> None:
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None
        if self._qt_translator is not None:
            self._app.removeTranslator(self._qt_translator)
            self._qt_translator = None

    def _install(self, language: str) -> bool:
        self.uninstall()
        self.language = language
        set_language_property(self._app, language)
        # Widgets made from now on (spin boxes, Qt's file dialog) write numbers so.
        QLocale.setDefault(qt_locale(language))
        if language == "vi":  # Qt ships no qtbase_vi.qm: the file dialog, buttons, menus
            self._qt_translator = QtVietnamese(self._app)
            self._app.installTranslator(self._qt_translator)
        qm = compiled(language, self._cache)
        translator = QTranslator(self._app)
        if qm is None or not translator.load(str(qm)):
            if language == "en":  # the source strings, with "day(s)" for plurals
                return True
            log.warning("no %s translation; showing English", language)
            return False
        self._app.installTranslator(translator)
        self._translator = translator
        return True


_PROPERTY = "dxdeskLanguage"
_LOCALES = {
    "vi": (QLocale.Language.Vietnamese, QLocale.Country.Vietnam),
    "en": (QLocale.Language.English, QLocale.Country.UnitedStates),
}


def qt_locale(language: str) -> QLocale:
    """Numbers and dates as ``language`` writes them (vi: 1.234,5; en: 1,234.5)."""
    chosen, country = _LOCALES.get(language, _LOCALES["vi"])
    return QLocale(chosen, country)


def set_language_property(app: QCoreApplication, language: str) -> None:
    app.setProperty(_PROPERTY, language)


def language() -> str:
    """The language the UI shows now; the core's messages are rendered in it too."""
    app = QCoreApplication.instance()
    value = app.property(_PROPERTY) if app is not None else None
    return str(value) if value else "vi"


class _LanguageWatcher(QObject):
    """Calls back when Qt announces a new translator (``LanguageChange``)."""

    def __init__(self, widget: QWidget, retranslate: Callable[[], None]) -> None:
        super().__init__(widget)
        self._retranslate = retranslate
        widget.installEventFilter(self)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        return False  # the widget still gets the event


def follow_language(widget: QWidget, retranslate: Callable[[], None]) -> None:
    """Set the widget's texts now, and again whenever the language is switched."""
    _LanguageWatcher(widget, retranslate)
    retranslate()


def texts_changed(model: QAbstractItemModel) -> None:
    """Every text of ``model`` (headers and cells) reads again in the new language.

    A new language changes texts, not which rows exist or their order: that is
    ``dataChanged``. A ``layoutChanged`` emitted on its own left a sort/filter proxy
    above the model with stale mappings, and the selection through it crashed the app.
    """
    from PySide6.QtCore import Qt  # noqa: PLC0415 (see the imports)

    rows, columns = model.rowCount(), model.columnCount()
    if columns:
        model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, columns - 1)
    if rows and columns:
        model.dataChanged.emit(model.index(0, 0), model.index(rows - 1, columns - 1))
