"""Installing a downloaded update, for the command line and the desktop alike.

Checked here, in this order: a release was downloaded and is newer than this
dxdesk; it did not fail to start here before; it still verifies against the pinned
release key (the data folder may have been written to since the download); this
installation can install it (portable Linux); no sync is in flight. Then
``dxdesk.updater`` installs it, and keeps it only if it starts.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dxdesk import __version__, sync_lock, updater
from dxdesk.errors import DxdeskError
from dxdesk.messages import Message
from dxdesk.settings import Settings
from sync import updates
from sync.protocol import UpdateOffer


class CannotInstallError(DxdeskError):
    """Nothing was changed; ``code`` says why: ``nothing``, ``not_self``, ``syncing``
    (each the message code ``update_<code>``)."""

    def __init__(self, code: str, text: str, params: dict[str, object] | None = None) -> None:
        super().__init__(text, Message(f"update_{code}", params or {}))
        self.code = code


@dataclass(frozen=True)
class Ready:
    offer: UpdateOffer
    artifact: Path
    manifest: Path
    platform: str  # the artifact's: the offer's, or its delta's
    delta_base: str | None = None


def ready(data_dir: Path, running: str = __version__) -> Ready | None:
    """The downloaded update waiting for the officer's OK, if there is one."""
    offer = updates.remembered(data_dir)
    if offer is None or not updates.newer_than(offer, running):
        return None
    folder = data_dir / updates.FOLDER
    if updater.failed_before(folder, offer.version):
        return None
    want = updates.wanted(offer, data_dir)
    for name, platform, base in (
        (want.file_name, want.platform, want.delta_base),
        (offer.file_name, offer.platform, None),
    ):
        artifact, manifest = folder / name, folder / f"{name}.release"
        if artifact.is_file() and manifest.is_file():
            return Ready(offer, artifact, manifest, platform, base)
    return None


def other_command(platform: str, artifact: Path) -> str:
    """What installs a Windows setup (not run by dxdesk: docs/cli.md)."""
    return " ".join(updater.windows_command(artifact))


def install(
    data_dir: Path,
    settings: Settings,
    app: Path | None,
    watch: updater.Watch | None = None,
    running: str = __version__,
    run: Callable[[list[str]], int] | None = None,
) -> updater.Outcome:
    """Install the ready update (``run`` runs the .deb's root helper through pkexec).
    Raises CannotInstallError, updates.UpdateRefusedError
    (the file is deleted and the offer forgotten) or updater.UpdateError."""
    found = ready(data_dir, running)
    if found is None:
        raise CannotInstallError("nothing", "No update has been downloaded.")
    try:
        version = updates.verify_downloaded(
            found.artifact,
            found.manifest,
            settings.release_public_key,
            found.platform,
            found.offer.version,
        )
    except updates.UpdateRefusedError:
        updates.remember(data_dir, None)
        raise
    if found.offer.platform.endswith("-deb"):
        return _install_deb(data_dir, found, version, running, run or _run)
    if not found.offer.platform.endswith("-portable") or app is None:
        command = other_command(found.offer.platform, found.artifact)
        raise CannotInstallError(
            "not_self",
            "Only the Linux installs update themselves; run: " + command,
            {"command": command},
        )
    with sync_lock.held(data_dir, wait=False) as free:
        if not free:
            raise CannotInstallError("syncing", "A sync is running: install when it ends.")
        try:
            outcome = updater.install_portable(
                app, found.artifact, version, running, watch, delta_base=found.delta_base
            )
        except updater.UpdateError:
            if found.delta_base is not None:  # the full release is the fallback
                updates.give_up_delta(data_dir, found.offer)
            raise
    if outcome.installed:
        found.artifact.unlink(missing_ok=True)
        updates.remember(data_dir, None)
    else:
        updater.note_failed(data_dir / updates.FOLDER, version, outcome.problem)
    return outcome


def _install_deb(
    data_dir: Path, found: Ready, version: str, running: str, run: Callable[[list[str]], int]
) -> updater.Outcome:
    """A .deb install: the root helper the package ships checks the release again
    against the key pinned in the installed build, runs dpkg and puts the previous
    version back if the new one does not start (sync/deb_apply.py); polkit lets the
    desktop user run it without the administrator's password."""
    with sync_lock.held(data_dir, wait=False) as free:
        if not free:
            raise CannotInstallError("syncing", "A sync is running: install when it ends.")
        code = run(updater.deb_command(found.manifest, found.artifact))
    if code == updater.DEB_ROLLED_BACK:  # as a portable install that did not start
        problem = "it did not pass its start check after dpkg installed it"
        updater.note_failed(data_dir / updates.FOLDER, version, problem)
        return updater.Outcome(False, version, running, problem)
    if code != 0:  # pkexec: 126 not allowed or dismissed; the helper: 3 refused
        raise updater.UpdateError(
            f"the .deb was not installed (exit code {code})",
            Message("update_deb_refused", {"code": code}),
        )
    found.artifact.unlink(missing_ok=True)
    updates.remember(data_dir, None)
    return updater.Outcome(True, version, running)


def _run(command: list[str]) -> int:
    return subprocess.run(command, check=False).returncode
