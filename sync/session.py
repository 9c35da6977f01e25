"""The client's conversation with the server, for every front end (Qt-free).

The command line, the desktop and the demo all talk to the server through this
module: it builds the transport from the settings, signs in (the first login here
creates the user's profile; it returns the open profile's :class:`ClientSession`,
which the desktop then syncs through), runs one sync (token looked up, engine
run, token forgotten when the server no longer takes it), logs in again from an
open profile (re-wrapping the key file when the password was changed on the
server), remembers the address that answered, and names each failure with one
message code, so every front end says the same thing in the same language. The UI
only turns what it returns into signals; the CLI only prints it.

Signing in: the server checks the password first; only then is anything created
or re-wrapped locally, so a mistyped password never leaves a folder or a key file
behind. One key per device: a login registers the key the user's profile here
already signs with, so the server's table does not grow by a key per login. A new
key is made only on the first login here, when the profile cannot be opened
before the server has vouched for the password (it was changed there), or when
the server gives the key to another user; the new key then replaces the
profile's (a deliberate rotation: the server retires the old one,
docs/protocol.md).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from dxdesk import __version__, local_state, sync_lock
from dxdesk.errors import DxdeskError
from dxdesk.identity import device, users
from dxdesk.identity.credentials import TokenStore, account_name
from dxdesk.identity.users import KnownUser, UnlockedUser
from dxdesk.messages import Message
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import Settings, use_server
from sync import client_account, updates
from sync.engine import SyncEngine, SyncSummary
from sync.failure_messages import error_message
from sync.progress import Notify
from sync.protocol import LoginOut, OkOut
from sync.transport import Failure, Transport, TransportError


class SessionError(DxdeskError):
    """A transport failure, said in the user's words; the details stay in ``detail``."""

    def __init__(self, error: TransportError, *, login: bool = False) -> None:
        message = error_message(error, login=login)
        super().__init__(message.text("en"), message)
        self.failure = error.failure
        self.detail = str(error)


def no_server() -> DxdeskError:
    return DxdeskError.of(Message("no_server"))


def transport_for(settings: Settings, server_url: str | None = None) -> Transport:
    """The transport to ``server_url`` (or the configured server) with the settings'
    certificate, plain-HTTP and timeout choices. TransportError (CONFIG) for an
    unusable address; ``no_server`` when there is none at all."""
    url = server_url or settings.server_url
    if not url:
        raise no_server()
    return Transport(
        url,
        ca_bundle=settings.ca_bundle or None,
        allow_http=settings.allow_http,
        connect_timeout_s=settings.connect_timeout_s,
        read_timeout_s=settings.read_timeout_s,
        language=settings.language,
    )


@dataclass(frozen=True)
class SignedIn:
    client: ClientSession  # the open profile's session: the desktop syncs through it
    login: LoginOut
    unlocked: UnlockedUser


def first_sign_in(
    paths: Paths,
    settings: Settings,
    tokens: TokenStore,
    username: str,
    password: str,
    *,
    server_url: str | None = None,
    previous_password: str | None = None,
    keep_key: bool = False,
) -> SignedIn:
    """Online login that opens (or creates) the user's profile; the server's address
    is remembered once it has answered. ``previous_password``: the password the key
    file still knows (it was changed on the server); ``keep_key``: also keep the data
    key in the OS keyring, so this user's data opens without the password."""
    transport = transport_for(settings, server_url)
    try:
        identity = _profile_identity(
            paths, settings, tokens, username, transport.base_url, password
        ) or client_account.DeviceIdentity.fresh(device.device_id(paths))
        out, identity = _authenticate(transport, settings, username, password, identity)
        user = KnownUser(
            out.user.username, transport.base_url, out.user.full_name, out.user.unit_code
        )
        unlocked = users.enroll(paths, user, password, previous_password=previous_password)
        if keep_key:
            users.remember_key(tokens, unlocked)
        profile = open_profile(paths, settings, user=unlocked)
        try:
            with profile.db.session() as session:
                client_account.remember(session, transport, tokens, out, identity)
        except BaseException:
            profile.close()
            raise
    finally:
        transport.close()
    use_server(settings, transport.base_url, paths.settings_file)
    return SignedIn(ClientSession(profile, tokens, unlocked=unlocked), out, unlocked)


def _authenticate(
    transport: Transport,
    settings: Settings,
    username: str,
    password: str,
    identity: client_account.DeviceIdentity,
) -> tuple[LoginOut, client_account.DeviceIdentity]:
    """The server's yes, and the identity it registered: a key of this profile's
    own when another user registered the profile's key first."""
    pinned = settings.server_public_key or None
    try:
        out = client_account.authenticate(
            transport, username, password, identity, pinned_server_key=pinned
        )
    except TransportError as exc:
        if exc.code != client_account.KEY_TAKEN:
            raise
        identity = client_account.DeviceIdentity.fresh(identity.device_id)
        out = client_account.authenticate(
            transport, username, password, identity, pinned_server_key=pinned
        )
    return out, identity


def _profile_identity(
    paths: Paths,
    settings: Settings,
    tokens: TokenStore,
    username: str,
    server_url: str,
    password: str,
) -> client_account.DeviceIdentity | None:
    """The key (and device id) this user's profile here already signs with, or None
    on a first login here or when the profile does not open yet."""
    known = users.UserIndex(paths).find(username, server_url)
    if known is None or not users.is_enrolled(paths, known):
        return None
    unlocked = _unlock_before_login(paths, known, tokens, password)
    if unlocked is None:
        return None
    try:
        profile = open_profile(paths, settings, user=unlocked)
    except DxdeskError:
        return None
    try:
        with profile.db.session() as session:
            identity = client_account.DeviceIdentity.of_profile(session, device.device_id(paths))
            session.commit()  # a profile without a key yet keeps the one just made
    finally:
        profile.close()
    return identity


def _unlock_before_login(
    paths: Paths, known: KnownUser, tokens: TokenStore, password: str
) -> UnlockedUser | None:
    """The profile's data key from the keyring or the password. A wrong password
    counts as a wrong try here, as it would offline; a password that no longer opens
    it (changed on the server) or a lockout only means a new key: the login itself
    goes on."""
    remembered = users.unlock_with_keyring(paths, known, tokens)
    if remembered is not None:
        return remembered
    try:
        return users.unlock(paths, known, password)
    except DxdeskError:
        return None


@dataclass(frozen=True)
class LoginResult:
    out: LoginOut
    server_url: str


class ClientSession:
    """One open profile's dealings with its server."""

    def __init__(
        self,
        profile: Profile,
        tokens: TokenStore,
        *,
        unlocked: UnlockedUser | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.profile = profile
        self.tokens = tokens
        self.unlocked = unlocked  # the key this session holds (for a re-wrap)
        self._now = now

    @property
    def configured(self) -> bool:
        return bool(self.profile.settings.server_url)

    def transport(self, server_url: str | None = None) -> Transport:
        return transport_for(self.profile.settings, server_url)

    def token(self, server_url: str) -> str | None:
        with self.profile.db.session() as session:
            return client_account.token_for(session, server_url.rstrip("/"), self.tokens)

    def has_token(self) -> bool:
        url = self.profile.settings.server_url
        return bool(url) and self.token(url) is not None

    def last_sync(self) -> float | None:
        """When this user's last sync completed (kept in their store across restarts)."""
        with self.profile.db.session() as session:
            return local_state.last_sync(session)

    def sync(
        self,
        transport: Transport,
        *,
        notify: Notify | None = None,
        password: Callable[[], str | None] | None = None,
    ) -> SyncSummary:
        """One sync over ``transport``. Without a token: a login first when a
        ``password`` can be asked for (TransportError if the server refuses it), else
        an AUTH failure (nothing lost, all still queued). A token the server refuses
        is forgotten, so the next sync asks for a login."""
        db = self.profile.db
        with db.session() as session:
            who = client_account.current(session)
        transport.token = self.token(transport.base_url)
        if not transport.token and password is not None and who is not None:
            given = password()
            if given:
                self.login(who.username, given, transport=transport)
        if not transport.token:
            return SyncSummary(failure=Failure.AUTH, message="Login needed.")
        data_dir = self.profile.paths.data
        settings = self.profile.settings
        client = updates.client_for(__version__, settings.update_channel)
        engine = SyncEngine(
            db,
            self.profile.attachments,
            transport,
            actor=who.username if who else "",
            notify=notify,
            updates_check=updates.UpdateCheck(client, data_dir) if client else None,
        )
        with sync_lock.held(data_dir):  # an update is not installed mid-round
            summary = engine.run()
        if summary.failure is None and client is not None:
            updates.fetch_if_allowed(transport, data_dir, settings.release_public_key,
                                     on_metered=settings.updates_on_metered)  # fmt: skip
        if summary.failure is None:
            with db.session() as session:
                local_state.note_sync(session, self._now())
                session.commit()
        if summary.failure is Failure.AUTH:
            with db.session() as session:
                client_account.forget_token(session, transport.base_url, self.tokens)
        return summary

    def login(
        self,
        username: str,
        password: str,
        *,
        server_url: str | None = None,
        transport: Transport | None = None,
    ) -> LoginResult:
        """Log in again from this open profile, over ``transport`` or a transport of
        its own to ``server_url`` (default: the profile's server). TransportError when
        the server says no."""
        own = transport is None
        used = transport if transport is not None else self.transport(server_url)
        settings = self.profile.settings
        try:
            with self.profile.db.session() as session:
                out = client_account.login(
                    session, used, self.tokens, username, password,
                    device_id=device.device_id(self.profile.paths),
                    pinned_server_key=settings.server_public_key or None,
                )  # fmt: skip
            self._rewrap_if_needed(used.base_url, username, password)
        finally:
            if own:
                used.close()
        use_server(settings, used.base_url, self.profile.paths.settings_file)
        return LoginResult(out, used.base_url)

    def logout(self) -> None:
        """Revoke the token on the server when it can be reached; forget it here anyway."""
        transport = self.transport()
        try:
            with self.profile.db.session() as session:
                transport.token = client_account.token_for(session, transport.base_url, self.tokens)
                if transport.token:
                    with contextlib.suppress(TransportError):
                        transport.call("POST", "/auth/logout", OkOut)
                client_account.forget_token(session, transport.base_url, self.tokens)
        finally:
            transport.close()

    def _rewrap_if_needed(self, server_url: str, username: str, password: str) -> None:
        """The server took this password: if it was changed there, the key file is
        re-wrapped with it from the key this session holds, so the next offline
        unlock takes the new password (a no-op when it already does)."""
        unlocked = self.unlocked
        if unlocked is None or unlocked.user.account != account_name(server_url, username):
            return  # not the unlocked user at their own server: their key file stays
        users.enroll(self.profile.paths, unlocked.user, password, known_key=unlocked.data_key)
