"""``dxdesk update [--check | --install]`` (``dxdesk self-check`` is ui.self_check: it loads Qt).

- ``--check``: what the last sync round learnt (no network, no password).
- no option: download the offered release now (resumable; the password unlocks the
  login token), even on a metered link with ``--metered-ok``.
- ``--install``: check the downloaded release once more against the pinned release
  key, wait for no sync to be in flight, install it (portable Linux: beside the
  running version, switched, kept only if it starts) and say what happened.

Exit codes: 0 done (or nothing to do), 1 refused or failed (the message says why).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from dxdesk import __version__, metered, updater
from dxdesk.cli import Console, prompt_for
from dxdesk.first_start import load_settings
from dxdesk.identity import credentials, unlock
from dxdesk.messages import Message
from dxdesk.paths import Paths
from sync import update_install, update_status, updates
from sync.exit_codes import SyncCommandError
from sync.session import ClientSession
from sync.transport import TransportError

EXIT_OK, EXIT_FAILED = 0, 1
log = logging.getLogger(__name__)


def _state(data_dir: Path) -> dict[str, object]:
    found = update_status.status(data_dir)
    offer = updates.remembered(data_dir)
    if found.kind == "none" or offer is None:
        return {"current": __version__, "available": None, "state": "none"}
    return {
        "current": __version__,
        "available": found.version,
        "state": found.kind,  # available, downloading, ready, failed (sync/update_status.py)
        "file": offer.file_name,
        "size": found.size,  # of what is fetched: the delta when there is one
        "downloaded": found.held,
        "ready": found.kind == "ready",
    }


def _say_state(console: Console, state: dict[str, object]) -> None:
    if state["available"] is None:
        console.print(
            console.vi(
                f"dxdesk {__version__} là bản mới nhất đã biết.",
                f"dxdesk {__version__} is the newest version known.",
            )
        )
        return
    version, done, size = state["available"], state["downloaded"], state["size"]
    if state["state"] == "failed":
        console.print(
            console.vi(
                f"Bản cập nhật {version} đã được cài nhưng không khởi động được, nên phiên bản "
                "đang dùng đã được dùng lại; bản này sẽ không được tải lại.",
                f"Update {version} was installed but did not start, so the version you use "
                "came back; it is not downloaded again.",
            )
        )
    elif state["ready"]:
        console.print(
            console.vi(
                f"Bản cập nhật {version} đã tải xong; cài bằng: dxdesk update --install",
                f"Update {version} is downloaded; install it with: dxdesk update --install",
            )
        )
    else:
        console.print(
            console.vi(
                f"Có bản cập nhật {version}: đã tải {done}/{size} byte.",
                f"Update {version} available: {done}/{size} bytes downloaded.",
            )
        )


def cmd_update(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    if args.check:
        state = _state(paths.data)
        console.json(state) if args.json else _say_state(console, state)
        return EXIT_OK
    if args.install:
        return _install(args, paths, console)
    return _download(args, paths, console)


def _download(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    settings = load_settings(paths)
    offer = updates.to_fetch(paths.data, __version__)
    if offer is None:  # none, or one that did not start here: said as --check says it
        _say_state(console, _state(paths.data))
        return EXIT_OK
    if not args.metered_ok and not settings.updates_on_metered and metered.is_metered():
        console.error(
            console.vi(
                "Mạng đang dùng là mạng tính phí (dữ liệu di động): chưa tải bản cập nhật. "
                "Dùng --metered-ok nếu đồng ý.",
                "This link is metered (mobile data): the update was not downloaded. "
                "Add --metered-ok to agree.",
            )
        )
        return EXIT_FAILED
    profile = unlock.offline(paths, args.user, prompt_for(args)).profile
    try:
        session = ClientSession(profile, credentials.choose())
        transport = session.transport()
        transport.token = session.token(transport.base_url)
        try:
            done = updates.download(transport, offer, paths.data, settings.release_public_key)
        finally:
            transport.close()
    except TransportError as exc:
        state = _state(paths.data)
        cut = Message("update_download_cut", {"version": offer.version,
                      "held": state["downloaded"], "size": state["size"]})  # fmt: skip
        console.error(cut.text(console.language))
        raise SyncCommandError(exc) from exc
    except updates.UpdateRefusedError as exc:
        updates.remember(paths.data, None)
        console.error(exc.render(console.language))
        return EXIT_FAILED
    except updater.UpdateError as exc:  # a full disk; what is held stays
        console.error(exc.render(console.language))
        return EXIT_FAILED
    finally:
        profile.close()
    console.print(
        console.vi(
            f"Đã tải {done.path.name}; cài bằng: dxdesk update --install",
            f"Downloaded {done.path.name}; install with: dxdesk update --install",
        )
    )
    return EXIT_OK


def _install(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    settings = load_settings(paths)
    app = Path(args.install_dir) if args.install_dir else updater.portable_app_dir()
    try:
        outcome = update_install.install(paths.data, settings, app)
    except (
        update_install.CannotInstallError,
        updates.UpdateRefusedError,
        updater.UpdateError,
    ) as exc:
        log.info("update not installed: %s", exc)  # the detail, in English, for the log
        console.error(exc.render(console.language))
        return EXIT_FAILED
    version = outcome.version
    if not outcome.installed:
        log.warning("update %s rolled back: %s", version, outcome.problem)
        console.error(outcome.message().text(console.language))
        return EXIT_FAILED
    console.print(
        console.vi(
            f"Đã cập nhật lên {version}; hãy mở lại dxdesk.",
            f"Updated to {version}; start dxdesk again.",
        )
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("update", help="check, download or install an update of dxdesk")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="what the last sync learnt")
    group.add_argument("--install", action="store_true", help="install the downloaded update")
    p.add_argument("--metered-ok", action="store_true", help="download even on mobile data")
    p.add_argument("--install-dir", help="the portable install's folder (default: this one)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--json", action="store_true")
    p.set_defaults(opener=cmd_update)
