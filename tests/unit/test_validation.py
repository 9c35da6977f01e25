import os
from pathlib import Path

import pytest
from sqlmodel import Session

from dxdesk import reports
from dxdesk.errors import ValidationError
from dxdesk.messages import Message
from dxdesk.profile import Profile
from dxdesk.reports import ReportContent
from dxdesk.validation import (
    MAX_TEXT_CHARS,
    MB,
    AttachmentLimits,
    attachment_issues,
    content_issues,
    contradictions,
    parse_progress,
)
from tests.conftest import make_task


@pytest.mark.parametrize(("raw", "value"), [(0, 0), (100, 100), ("45", 45), (" 45 % ", 45)])
def test_progress_accepts_whole_percentages(raw: object, value: int) -> None:
    assert parse_progress(raw) == value


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (-1, "progress_range"),
        (101, "progress_range"),
        ("150", "progress_range"),
        ("-5", "progress_range"),
        ("4.5", "progress_not_number"),
        ("bốn mươi", "progress_not_number"),
        ("", "progress_not_number"),
        (True, "progress_not_number"),
    ],
)
def test_progress_errors(raw: object, code: str) -> None:
    result = parse_progress(raw)
    assert isinstance(result, Message)
    assert result.code == code
    assert result.field == "progress"


def codes(issues: list[Message]) -> list[str]:
    return [issue.code for issue in issues]


def check(final: bool = True, **overrides: object) -> list[Message]:
    values: dict[str, object] = {
        "progress": 50,
        "status_claim": "in_progress",
        "classification": "normal",
        "texts": {"results": "Đã làm", "difficulties": "", "proposals": ""},
        "final": final,
    }
    values.update(overrides)
    return content_issues(**values)  # type: ignore[arg-type]


def test_valid_content_has_no_issues() -> None:
    assert check() == []


def test_results_required_only_when_finalizing() -> None:
    empty = {"results": "", "difficulties": "", "proposals": ""}
    assert codes(check(texts=empty)) == ["required"]
    assert check(texts=empty, final=False) == []


def test_text_length_limit_names_the_field() -> None:
    issues = check(texts={"results": "x", "difficulties": "y" * (MAX_TEXT_CHARS + 1)})
    assert codes(issues) == ["too_long"]
    assert issues[0].field == "difficulties"
    assert "Difficulties" in issues[0].text("en")
    assert "Khó khăn" in issues[0].text("vi")


def test_unknown_status_and_classification() -> None:
    assert codes(check(status_claim="finished")) == ["status_unknown"]
    assert codes(check(classification="top-secret")) == ["classification_unknown"]


def test_done_needs_full_progress() -> None:
    assert codes(check(status_claim="done", progress=90)) == ["done_needs_full_progress"]
    assert check(status_claim="done", progress=100) == []


LIMITS = AttachmentLimits(max_bytes=1 * MB, max_count=2)


def test_attachment_checks(tmp_path: Path) -> None:
    def issue_code(path: Path, limits: AttachmentLimits = LIMITS) -> list[str]:
        return codes(attachment_issues(path, limits))

    assert issue_code(tmp_path / "missing.pdf") == ["attachment_missing"]
    assert issue_code(tmp_path) == ["attachment_not_file"]
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert issue_code(empty) == ["attachment_empty"]
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF" + os.urandom(MB))
    assert issue_code(big) == ["attachment_too_large"]
    exe = tmp_path / "virus.exe"
    exe.write_bytes(b"MZ" + os.urandom(10))
    assert issue_code(exe) == ["attachment_type"]
    disguised = tmp_path / "virus.pdf"
    disguised.write_bytes(b"MZ" + os.urandom(10))
    assert issue_code(disguised) == ["attachment_content_mismatch"]
    photo = tmp_path / "ảnh hiện trường.JPG"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(100))
    assert issue_code(photo) == []
    only_pdf = AttachmentLimits(allowed_extensions=frozenset({"pdf"}))
    assert issue_code(photo, only_pdf) == ["attachment_type"]


def test_too_many_attachments(session: Session, profile: Profile, pdf_file: Path) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, ReportContent(progress=1, results="x"))
    for _ in range(LIMITS.max_count):
        reports.attach(session, profile.attachments, draft.id, pdf_file, LIMITS)
    with pytest.raises(ValidationError) as caught:
        reports.attach(session, profile.attachments, draft.id, pdf_file, LIMITS)
    assert codes(caught.value.issues) == ["too_many_attachments"]
    assert len(reports.attachments_of(session, draft.id)) == LIMITS.max_count


def test_invalid_draft_save_changes_nothing(session: Session) -> None:
    task = make_task(session)
    draft = reports.create_draft(session, task, ReportContent(progress=30, results="a"))
    with pytest.raises(ValidationError) as caught:
        reports.save_draft(session, draft.id, ReportContent(progress=300, results="b"))
    assert "0 and 100" in str(caught.value)
    assert "0 đến 100" in caught.value.render("vi")
    stored = reports.get_report(session, draft.id)
    assert (stored.progress, stored.results) == (30, "a")


BOOKS = [{"code": "HS", "name": "Hồ sơ", "unit": "hồ sơ", "target": 1200}]


@pytest.mark.parametrize(
    ("progress", "status", "value", "codes"),
    [
        (80, "in_progress", 0.0, []),  # not complete: no claim on the indicators
        (100, "in_progress", 1200.0, ["full_progress_not_done"]),
        (100, "done", 0.0, ["indicator_zero_when_done"]),
        (100, "done", 900.0, ["indicator_below_target_when_done"]),
        (100, "done", 1200.0, []),
        (100, "in_progress", 5.0, ["full_progress_not_done", "indicator_below_target_when_done"]),
    ],
)
def test_contradictions_worth_a_second_look(
    progress: int, status: str, value: float, codes: list[str]
) -> None:
    found = contradictions(
        progress=progress, status_claim=status, indicator_values={"HS": value}, indicators=BOOKS
    )
    assert [m.code for m in found] == codes
    for message in found:
        assert message.text("vi") and message.text("en")
