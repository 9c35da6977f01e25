"""A report queued with control characters (typed before the device dropped them)
still goes out, to be refused by the server on its own: it never blocks the queue."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from dxdesk import reports
from dxdesk.identity import device
from dxdesk.profile import Profile
from dxdesk.reports import ReportContent
from sync.engine import wire_body
from sync.protocol import ReportIn
from tests.conftest import make_task

PWNED = "\x1b]0;pwned\x07\x1b[2J"


def test_a_report_typed_today_has_no_control_characters(session: Session) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, ReportContent(results=f"Đã làm{PWNED}"))
    assert draft.results == "Đã làm]0;pwned[2J"


def test_a_stored_report_with_control_characters_is_still_sent(
    session: Session, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Finalized by an older version, whose clean() kept control characters.
    monkeypatch.setattr(reports, "clean", lambda value: value.strip())
    task = make_task(session)
    content = ReportContent(progress=40, results=f"Đã làm{PWNED}")
    draft = reports.create_draft(session, task, content)
    final = reports.finalize(session, profile.attachments, draft.id)
    monkeypatch.undo()
    body = wire_body(session, final, device.signing_key(session), None)
    assert body.results == f"Đã làm{PWNED}"
    with pytest.raises(ValidationError, match="control characters"):  # the server's reading
        ReportIn.model_validate(body.model_dump())
