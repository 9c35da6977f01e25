"""Qt's network-information backend as a hint to the scheduler, where there is one.

The OS saying "online" is only a hint (the scheduler probes our server before it
believes it); without a backend the scheduler's own probing still works.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Slot
from PySide6.QtNetwork import QNetworkInformation

from ui.sync_controller import SyncController

log = logging.getLogger(__name__)


class _Hint(QObject):
    def __init__(self, controller: SyncController, info: QNetworkInformation) -> None:
        super().__init__(controller)
        self._controller = controller
        self._info = info
        info.reachabilityChanged.connect(self._on_reachability)
        info.transportMediumChanged.connect(self._on_medium)
        info.isMeteredChanged.connect(self._on_medium)
        self._on_medium()

    @Slot(QNetworkInformation.Reachability)
    def _on_reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        online = reachability in (
            QNetworkInformation.Reachability.Online,
            QNetworkInformation.Reachability.Site,
        )
        self._controller.connectivity_hint(online)

    @Slot()
    def _on_medium(self, *_changed: object) -> None:
        cellular = self._info.transportMedium() == QNetworkInformation.TransportMedium.Cellular
        self._controller.network_medium(metered=cellular or self._info.isMetered())


def watch_network(controller: SyncController) -> bool:
    try:
        loaded = QNetworkInformation.loadDefaultBackend()
    except Exception:  # a missing plugin must not stop the app
        log.info("no network-information backend", exc_info=True)
        return False
    info = QNetworkInformation.instance()
    if not loaded or info is None:
        log.info("no network-information backend; relying on probes")
        return False
    _Hint(controller, info)
    return True
