"""The people who use dxdesk on this computer, each with an encrypted folder.

Several officers often share one PC under one Windows account. Each gets a folder
of their own under ``data/users/`` holding their encrypted store and attachments
and the key file that only their password opens; ``data/users.json`` lists who
has logged in here (names only, no secrets) so the app can offer them at start.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from dxdesk.atomic_file import write_atomically
from dxdesk.errors import DxdeskError, NotFoundError
from dxdesk.identity.credentials import TokenStore, account_name
from dxdesk.identity.vault import KdfParams, Vault
from dxdesk.messages import Message
from dxdesk.paths import Paths, UserFolder

KEY_PREFIX = "data-key:"


@dataclass(frozen=True)
class KnownUser:
    username: str
    server_url: str
    full_name: str = ""
    unit_code: str = ""
    folder_name: str = ""

    @property
    def account(self) -> str:
        return account_name(self.server_url, self.username)

    def folder(self, paths: Paths) -> UserFolder:
        return UserFolder(paths.users / self.folder_name)

    @property
    def label(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username


def folder_name(username: str, server_url: str) -> str:
    """Readable for support, unique per account, safe on every file system."""
    ascii_name = unicodedata.normalize("NFKD", username).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._")[:40] or "user"
    import hashlib  # noqa: PLC0415 (loads OpenSSL: not before the first window)

    digest = hashlib.sha256(account_name(server_url, username).encode("utf-8")).hexdigest()
    return f"{slug}-{digest[:10]}"


class UserIndex:
    """``users.json``: who has logged in here, most recent first."""

    def __init__(self, paths: Paths) -> None:
        self.file = paths.users_index

    def all(self) -> list[KnownUser]:
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
            return [KnownUser(**entry) for entry in raw["users"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DxdeskError(
                f"The list of users {self.file} is damaged ({exc}); the users' data is safe "
                "in data/users/. Remove the file and log in again to rebuild it."
            ) from exc

    def find(self, username: str, server_url: str | None = None) -> KnownUser | None:
        for user in self.all():
            if user.username == username and server_url in (None, user.server_url):
                return user
        return None

    def last(self) -> KnownUser | None:
        users = self.all()
        return users[0] if users else None

    def move(self, user: KnownUser, server_url: str) -> KnownUser:
        """The same person and folder, now at ``server_url`` (a local demo server
        that had to change its port): one entry, not a second, empty one. The caller
        knows nobody is at ``server_url`` under that name yet."""
        moved = replace(user, server_url=server_url)
        kept = [u for u in self.all() if u.account != user.account]
        self._write([moved, *kept])
        return moved

    def remember(self, user: KnownUser) -> None:
        others = [u for u in self.all() if u.account != user.account]
        self._write([user, *others])

    def _write(self, users: list[KnownUser]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = {"users": [asdict(u) for u in users]}
        text = json.dumps(payload, ensure_ascii=False, indent=1)
        write_atomically(self.file, text.encode("utf-8"))


@dataclass(frozen=True)
class UnlockedUser:
    """A user whose data key is in memory: their profile can be opened."""

    user: KnownUser
    folder: UserFolder
    data_key: bytes


class PasswordChangedError(DxdeskError):
    """The server accepted a password that does not open the local key file: it was
    changed on the server. The previous password (or a remembered key) re-wraps it."""

    exit_code = 5


def unlock(
    paths: Paths, user: KnownUser, password: str, *, clock: Callable[[], float] | None = None
) -> UnlockedUser:
    """Offline: the password opens the key file; no server involved."""
    folder = user.folder(paths)
    vault = Vault(folder.root, clock) if clock else Vault(folder.root)
    return UnlockedUser(user, folder, vault.unlock(password))


def unlock_with_keyring(paths: Paths, user: KnownUser, store: TokenStore) -> UnlockedUser | None:
    """When the user chose to keep their key in the OS keyring (scripts, single-user PCs)."""
    try:
        raw = store.get(KEY_PREFIX + user.account)
    except Exception:  # a broken keyring only means "ask for the password"
        return None
    if not raw:
        return None
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        return None
    return UnlockedUser(user, user.folder(paths), key)


def remember_key(store: TokenStore, unlocked: UnlockedUser) -> None:
    store.put(KEY_PREFIX + unlocked.user.account, unlocked.data_key.hex())


def forget_key(store: TokenStore, user: KnownUser) -> None:
    store.delete(KEY_PREFIX + user.account)


def enroll(
    paths: Paths,
    user: KnownUser,
    password: str,
    *,
    known_key: bytes | None = None,
    previous_password: str | None = None,
    params: KdfParams | None = None,
) -> UnlockedUser:
    """After the server accepted ``password``: create this user's folder and key on
    their first login here, or make sure the key file opens with ``password``.

    A password changed on the server re-wraps the existing key, which we get from
    ``known_key`` (an unlocked session or the keyring) or ``previous_password``.
    """
    index = UserIndex(paths)
    known = index.find(user.username, user.server_url)
    chosen = replace(user, folder_name=known.folder_name if known else user.folder_name)
    if not chosen.folder_name:
        chosen = replace(chosen, folder_name=folder_name(user.username, user.server_url))
    folder = chosen.folder(paths).ensure()
    vault = Vault(folder.root, params=params)
    if not vault.exists():
        key = vault.create(chosen.account, password)
    else:
        key = _open_or_rewrap(vault, password, known_key, previous_password)
    index.remember(chosen)
    return UnlockedUser(chosen, folder, key)


def _open_or_rewrap(
    vault: Vault, password: str, known_key: bytes | None, previous_password: str | None
) -> bytes:
    opened = vault.open_verified(password)
    if opened is not None:
        return opened
    key = known_key
    if key is None and previous_password is not None:
        key = vault.unlock(previous_password)
    if key is None:
        message = Message("password_changed", {})
        raise PasswordChangedError(message.text("en"), message)
    # The server vouched for the new password, so the wrong-password count resets.
    vault.rewrap(key, password)
    return key


def require_user(paths: Paths, username: str | None) -> KnownUser:
    index = UserIndex(paths)
    user = index.find(username) if username else index.last()
    if user is None:
        message = Message("unknown_user", {"user": username}) if username else Message("no_user")
        raise NotFoundError(message.text("en"), message)
    return user


def is_enrolled(paths: Paths, user: KnownUser) -> bool:
    return Vault(user.folder(paths).root).exists()


def key_file(paths: Paths, user: KnownUser) -> Path:
    return Vault(user.folder(paths).root).key_file
