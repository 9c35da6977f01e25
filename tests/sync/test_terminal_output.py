"""No CLI prints a control character it was given (issue 15, item 7).

The server now refuses them, but a store may already hold them: a task title and a
reviewer's comment from an older server, a draft typed before the device dropped
them. ``dxdesk tasks``, ``dxdesk outbox`` and ``dxdesk-server reports`` show them
escaped (``\\x1b``), and their ``--json`` output carries none raw either.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import select as select_local

from dxdesk import reports
from dxdesk.reports import ReportContent
from dxdesk.store.models import Task as LocalTask
from sync.server import versions
from sync.server.db import open_database
from sync.server.tables import Report, Task
from tests.support.server import RunningServer
from tests.sync.conftest import Client

PWNED = "\x1b]0;pwned\x07\x1b[2J"
# Raw in no output: ESC, BEL, C1 CSI, a right-to-left override.
RAW = ("\x1b", "\x07", "\x9b", "\u202e")
OLD_TEXT = f"Số hoá {PWNED}\x9b2J\u202e"


@pytest.fixture
def client(tmp_path: Path) -> Client:
    # What reaches a terminal is checked on the installed script itself, not a zygote.
    return Client(tmp_path / "client", tmp_path / "keyring.json", console_script=True)


def _plant_on_the_server(server: RunningServer, report_id: str) -> str:
    """What an older server let in: a task title, a report's words, a comment."""
    db = open_database(server.db_url)
    try:
        with db.write() as session:
            report = session.get(Report, report_id)
            assert report is not None
            report.body = {**report.body, "results": OLD_TEXT}
            report.review_state, report.review_comment = "returned", OLD_TEXT
            report.reviewed_at = report.received_at
            (report.review_version,) = versions.allocate(session)
            task = session.scalars(select(Task).where(Task.id == report.task_id)).one()
            task.title = OLD_TEXT
            (task.version,) = versions.allocate(session)
            return task.code
    finally:
        db.dispose()


def _assert_escaped(text: str) -> None:
    assert not [char for char in RAW if char in text], text
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in text
    assert "\\x9b2J\\u202e" in text


@pytest.mark.slow
def test_no_command_prints_control_characters_raw(server: RunningServer, client: Client) -> None:
    assert client.login(server.url).code == 0
    assert client("sync").code == 0
    (sent,) = client.queue(1)
    assert client("sync").code == 0
    code = _plant_on_the_server(server, sent)
    assert client("sync").code == 0

    profile = client.open()  # a draft holding what older versions kept
    try:
        with profile.db.session() as session:
            task = session.exec(select_local(LocalTask).where(LocalTask.code == code)).one()
            assert task.title == OLD_TEXT  # the store does hold it
            draft = reports.create_draft(session, task, ReportContent(results="x"), author="t")
            draft.results = OLD_TEXT
            session.add(draft)
            session.commit()
    finally:
        profile.close()

    tasks = client("tasks")
    assert tasks.code == 0, tasks.err
    _assert_escaped(tasks.out)
    outbox = client("outbox", "--all")
    assert outbox.code == 0, outbox.err
    _assert_escaped(outbox.out)
    assert outbox.out.count("\\x1b]0;pwned") == 2  # the draft's words and the comment
    for command in (("tasks", "--json"), ("outbox", "--all", "--json")):
        done = client(*command)
        assert done.code == 0, done.err
        assert not [char for char in RAW if char in done.out]
        json.loads(done.out)  # still JSON: the characters are \u escapes in strings
    assert OLD_TEXT in [i["review_comment"] for i in client("outbox", "--json").json()["items"]]

    listing = server.admin("reports").stdout
    shown = server.admin("reports", "--show", sent).stdout
    _assert_escaped(shown)
    assert not [char for char in RAW if char in listing]
    as_json = server.admin("reports", "--show", sent, "--json").stdout
    assert not [char for char in RAW if char in as_json]
    assert json.loads(as_json)["results"] == OLD_TEXT
