"""The demo's returned report, so the correction flow can be tried at once.

On the demo officer's first run: a progress report on one of their tasks is sent
to the demo server, and the demo reviewer returns it there with a comment, as a
leader would in the web console. The officer's next sync (the window's first)
brings the return: the report shows as "returned for revision" with the comment.
Once per profile; later runs find it done and leave whatever the officer did.
"""

from __future__ import annotations

from dxdesk import clock, local_state, reports, tasks
from dxdesk.errors import DxdeskError
from dxdesk.identity.credentials import TokenStore
from dxdesk.profile import Profile
from sync.protocol import LoginOut, ReviewOut
from sync.session import ClientSession
from sync.transport import Transport

DONE = "demo.returned_report"  # sync_state: the id of the report the demo had returned
RESULTS = "Đã họp triển khai, phân công cán bộ phụ trách từng thôn."
COMMENT = "Đề nghị bổ sung số liệu cụ thể (số hộ, số hồ sơ đã xử lý) rồi gửi lại."


def ensure_returned_report(
    profile: Profile, tokens: TokenStore, server_url: str, reviewer: tuple[str, str]
) -> str | None:
    """The id of the demo's returned report, sent and returned on the first run;
    None when the officer has no task to report on."""
    with profile.db.session() as session:
        done = local_state.get(session, DONE)
    if done is not None:
        return done
    client = ClientSession(profile, tokens)
    _sync(client, server_url)  # the officer's tasks, to report on one
    with profile.db.session() as session:
        today = clock.reference_date(local_state.server_offset(session))
        # An open task, as a reviewer would return: a done one takes no more reports.
        rows = [r for r in tasks.list_tasks(session, today) if not r.status.category.is_done]
        if not rows:
            return None
        row = min(rows, key=lambda r: r.task.code)
        progress = min(95, row.latest_progress + 10)
        content = reports.ReportContent(progress=progress, results=RESULTS)
        draft = reports.create_draft(session, row.task, content, profile.settings.author)
        report_id = reports.finalize(session, profile.attachments, draft.id).id
    _sync(client, server_url)
    _return(server_url, report_id, reviewer)
    with profile.db.session() as session:
        local_state.put(session, DONE, report_id)
        session.commit()
    return report_id


def _sync(client: ClientSession, server_url: str) -> None:
    transport = client.transport(server_url)
    try:
        summary = client.sync(transport)
    finally:
        transport.close()
    if summary.failure is not None:
        raise DxdeskError(f"demo sync failed: {summary.message}")


def _return(server_url: str, report_id: str, reviewer: tuple[str, str]) -> None:
    transport = Transport(server_url)
    try:
        credentials = {"username": reviewer[0], "password": reviewer[1]}
        login = transport.call("POST", "/auth/login", LoginOut, credentials, auth=False)
        transport.token = login.token
        transport.call("POST", f"/reports/{report_id}/return", ReviewOut, {"comment": COMMENT})
    finally:
        transport.close()
