"""User-facing messages of the core, in Vietnamese and English.

The core has no Qt, so it cannot use Qt's translator; instead every message is a
code with parameters, and this catalogue renders it. The UI renders the same codes,
so a message reads the same in the app and on the command line.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

# code -> (Vietnamese, English). Placeholders must match between the two.
CATALOG: dict[str, tuple[str, str]] = {
    "wrong_password": (
        "Sai mật khẩu. Còn {left} lần thử trước khi phải chờ.",
        "Wrong password. {left} more tries before dxdesk makes you wait.",
    ),
    "wrong_password_wait": (
        "Sai mật khẩu. Lần thử tiếp theo phải chờ {seconds} giây.",
        "Wrong password. The next try must wait {seconds} seconds.",
    ),
    "locked_out": (
        "Nhập sai mật khẩu quá nhiều lần: hãy thử lại sau {seconds} giây. "
        "Dữ liệu không bị ảnh hưởng.",
        "Too many wrong passwords: try again in {seconds} seconds. Nothing was changed.",
    ),
    "key_file_unreadable": (
        "Không đọc được tệp khoá {path} ({reason}); không thể mở dữ liệu nếu thiếu tệp này. "
        "Không có gì bị thay đổi.",
        "The key file {path} cannot be read ({reason}); the data cannot be opened without it. "
        "Nothing was changed.",
    ),
    "unknown_user": (
        "Người dùng {user} chưa từng đăng nhập trên máy này. Hãy đăng nhập khi có mạng: "
        "dxdesk login --user {user}",
        "{user} has never logged in on this computer. Log in once while online: "
        "dxdesk login --user {user}",
    ),
    "no_user": (
        "Chưa có ai đăng nhập trên máy này. Hãy đăng nhập khi có mạng: dxdesk login --user TÊN",
        "Nobody has logged in on this computer yet. Log in once while online: "
        "dxdesk login --user NAME",
    ),
    "password_changed": (
        "Mật khẩu đã được đổi trên máy chủ. Nhập mật khẩu cũ một lần để bảo vệ lại dữ liệu "
        "trên máy này bằng mật khẩu mới.",
        "Your password was changed on the server. Enter your previous password once to "
        "protect the data on this computer with the new one.",
    ),
    "password_needed": (
        "Dữ liệu của {user} đang khoá: nhập mật khẩu (hoặc dùng --password-stdin).",
        "{user}'s data is locked: give the password (or use --password-stdin).",
    ),
    "progress_not_number": (
        "Tiến độ phải là một số nguyên từ 0 đến 100, không phải «{value}».",
        "Progress must be a whole number from 0 to 100, not “{value}”.",
    ),
    "progress_range": (
        "Tiến độ phải từ 0 đến 100 (%), không phải {value}.",
        "Progress must be between 0 and 100 (%), not {value}.",
    ),
    "required": (
        "Chưa nhập {field_label}.",
        "{field_label} is required.",
    ),
    "too_long": (
        "{field_label} quá dài: {length} ký tự, tối đa {limit}.",
        "{field_label} is too long: {length} characters, at most {limit}.",
    ),
    "status_unknown": (
        "Trạng thái «{value}» không hợp lệ; chọn một trong: {choices}.",
        "Status “{value}” is not valid; choose one of: {choices}.",
    ),
    "done_needs_full_progress": (
        "Báo cáo «đã hoàn thành» phải có tiến độ 100%, không phải {value}%.",
        "A “done” report must have 100% progress, not {value}%.",
    ),
    "classification_unknown": (
        "Độ mật «{value}» không hợp lệ; chọn một trong: {choices}.",
        "Classification “{value}” is not valid; choose one of: {choices}.",
    ),
    "attachment_missing": (
        "Không tìm thấy tệp đính kèm: {path}.",
        "Attachment not found: {path}.",
    ),
    "attachment_not_file": (
        "Tệp đính kèm không phải là một tệp: {path}.",
        "Attachment is not a file: {path}.",
    ),
    "attachment_unreadable": (
        "Không đọc được tệp đính kèm {path}: {reason}.",
        "Cannot read attachment {path}: {reason}.",
    ),
    "attachment_empty": (
        "Tệp đính kèm {path} rỗng (0 byte).",
        "Attachment {path} is empty (0 bytes).",
    ),
    "attachment_too_large": (
        "Tệp đính kèm {path} nặng {size_mb} MB, vượt giới hạn {limit_mb} MB.",
        "Attachment {path} is {size_mb} MB, over the {limit_mb} MB limit.",
    ),
    "attachment_type": (
        "Không chấp nhận loại tệp «{extension}» ({path}); cho phép: {allowed}.",
        "File type “{extension}” is not accepted ({path}); allowed: {allowed}.",
    ),
    "attachment_content_mismatch": (
        "Nội dung tệp {path} không khớp với đuôi «{extension}».",
        "The content of {path} does not match its “{extension}” extension.",
    ),
    "too_many_attachments": (
        "Quá nhiều tệp đính kèm: {count}, tối đa {limit}.",
        "Too many attachments: {count}, at most {limit}.",
    ),
    "report_locked": (
        "Báo cáo {report_id} đã chốt và không thể sửa; hãy lập báo cáo điều chỉnh mới.",
        "Report {report_id} is finalized and cannot be changed; file a correction instead.",
    ),
    "report_not_found": (
        "Không có báo cáo {report_id}.",
        "No report {report_id}.",
    ),
    "task_not_found": (
        "Không có nhiệm vụ mã «{code}» trong dữ liệu trên máy này.",
        "No task with code “{code}” on this computer.",
    ),
    "correction_of_draft": (
        "Báo cáo {report_id} còn là bản nháp; hãy sửa trực tiếp bản nháp.",
        "Report {report_id} is still a draft; edit the draft instead.",
    ),
    "secret_needs_server_key": (
        "Báo cáo mật được niêm phong bằng khoá của máy chủ trước khi gửi, nhưng máy này "
        "chưa có khoá đó. Hãy đăng nhập một lần khi có mạng rồi chốt lại; bản nháp vẫn "
        "được giữ nguyên.",
        "A classified report is sealed with the server's key before it is queued, and "
        "this computer does not have that key yet. Log in once while online, then "
        "finalize again; the draft is kept.",
    ),
    "server_key_mismatch": (
        "Máy chủ đưa ra khoá niêm phong {offered}, khác với khoá {pinned} đã cài sẵn cho "
        "đơn vị. Có thể có kẻ đứng giữa; không đăng nhập. Hãy báo cho quản trị viên.",
        "The server offered sealing key {offered}, not the key {pinned} this site was "
        "provisioned with. Someone may be in between; not logging in. Tell your admin.",
    ),
    "server_key_invalid": (
        "Máy chủ gửi khoá niêm phong không hợp lệ; không đăng nhập.",
        "The server sent an invalid sealing key; not logging in.",
    ),
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "progress": ("Tiến độ", "Progress"),
    "results": ("Kết quả đạt được", "Results achieved"),
    "difficulties": ("Khó khăn, vướng mắc", "Difficulties"),
    "proposals": ("Kiến nghị, đề xuất", "Proposals"),
    "status": ("Trạng thái", "Status"),
    "classification": ("Độ mật", "Classification"),
    "attachments": ("Tệp đính kèm", "Attachments"),
}


def _index(language: str) -> int:
    return 0 if language == "vi" else 1


@dataclass(frozen=True)
class Message:
    code: str
    params: Mapping[str, object] = field(default_factory=dict)
    field: str | None = None

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        template = CATALOG[self.code][_index(language)]
        values = dict(self.params)
        if self.field is not None and "field_label" not in values:
            values["field_label"] = field_label(self.field, language)
        return template.format(**values)


def field_label(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    labels = FIELD_LABELS.get(name)
    return labels[_index(language)] if labels else name


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
