"""The command line and the window say the same words, in the same language, for
every way talking to the server can fail (one message code each: sync.failure_messages).
"""

from __future__ import annotations

import io

import pytest
from PySide6.QtWidgets import QApplication

from dxdesk.cli import Console
from dxdesk.messages import LANGUAGES
from sync import cli as sync_cli
from sync.engine import SyncSummary
from sync.exit_codes import SyncCommandError
from sync.transport import Failure, TransportError
from ui.failures import error_text, failure_text
from ui.i18n import set_language_property


def cli_sync_error(failure: Failure, language: str) -> str:
    """What ``dxdesk sync`` prints on stderr when a sync ends with ``failure``."""
    err = io.StringIO()
    console = Console(io.StringIO(), err, language)
    sync_cli._report(SyncSummary(failure=failure, message="detail"), console, False)
    return err.getvalue().strip().removeprefix("dxdesk: ")


def cli_login_error(error: TransportError, language: str) -> str:
    """What ``dxdesk login`` prints (the core's main renders the raised error)."""
    return SyncCommandError(error, login=True).render(language)


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest, qapp: QApplication) -> str:
    chosen = str(request.param)
    set_language_property(qapp, chosen)
    return chosen


@pytest.mark.parametrize("failure", list(Failure))
def test_a_failed_sync_reads_the_same(failure: Failure, language: str) -> None:
    shown = failure_text(failure, "detail")
    assert shown == cli_sync_error(failure, language)
    # The transport's own (English) words stay in the log, except where only they say
    # the cause: the server's reason for a refusal, what is wrong with an address.
    assert ("detail" in shown) == (failure in {Failure.REJECTED, Failure.CONFIG})


@pytest.mark.parametrize("failure", list(Failure))
def test_a_failed_login_reads_the_same(failure: Failure, language: str) -> None:
    error = TransportError(failure, "detail")
    assert error_text(error) == cli_login_error(error, language)


def test_a_locked_account_reads_the_same(language: str) -> None:
    error = TransportError(Failure.REJECTED, "detail", code="too_many_attempts", status=429)
    shown = error_text(error)
    assert shown == cli_login_error(error, language)
    assert "15" in shown


def test_a_sync_and_a_login_refused_say_different_things() -> None:
    # A token that expired is not a mistyped password.
    error = TransportError(Failure.AUTH, "detail")
    assert cli_login_error(error, "en") != cli_sync_error(Failure.AUTH, "en")
    assert "Wrong user name or password" in cli_login_error(error, "en")
    assert "Login needed" in cli_sync_error(Failure.AUTH, "en")


def test_a_refusal_says_the_servers_reason_with_control_characters_escaped(
    language: str,
) -> None:
    reason = "report 7 refers to an unknown task\x1b[2J"
    shown = cli_sync_error_with(Failure.REJECTED, reason, language)
    assert "report 7 refers to an unknown task" in shown
    assert "\x1b" not in shown
    assert shown == failure_text(Failure.REJECTED, reason)
    login = TransportError(Failure.CONFIG, "plain http:// to a remote host is refused")
    assert "plain http://" in error_text(login) == cli_login_error(login, language)


def cli_sync_error_with(failure: Failure, message: str, language: str) -> str:
    err = io.StringIO()
    console = Console(io.StringIO(), err, language)
    sync_cli._report(SyncSummary(failure=failure, message=message), console, False)
    return err.getvalue().strip().removeprefix("dxdesk: ")
