"""The console's words in Vietnamese (the default) and English: one table, no globals
beyond it. Templates call ``t("key")``; a missing key is a bug, so it raises."""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

# key: (vi, en)
_WORDS: dict[str, tuple[str, str]] = {
    "app_name": ("Theo dõi nhiệm vụ — Trang tổng hợp", "Task tracking — reviewer console"),
    "skip": ("Bỏ qua đến nội dung", "Skip to content"),
    "nav_overview": ("Tổng quan", "Overview"),
    "nav_inbox": ("Báo cáo", "Reports"),
    "nav_tasks": ("Nhiệm vụ", "Tasks"),
    "tasks_of": ("Nhiệm vụ: {unit}", "Tasks: {unit}"),
    "new_task": ("Giao nhiệm vụ mới", "Assign a new task"),
    "title": ("Tên nhiệm vụ", "Title"),
    "doc_number": ("Số/ký hiệu văn bản giao", "Assigning document no."),
    "doc_date": ("Ngày văn bản", "Document date"),
    "doc_issuer": ("Cơ quan ban hành", "Issued by"),
    "expected_output": ("Sản phẩm đầu ra", "Expected output"),
    "create": ("Giao nhiệm vụ", "Create"),
    "complete": ("Hoàn thành", "Mark done"),
    "edit": ("Sửa", "Edit"),
    "edit_task": ("Sửa nhiệm vụ {code}", "Edit task {code}"),
    "withdraw": ("Thu hồi", "Withdraw"),
    "withdraw_task": ("Thu hồi nhiệm vụ", "Withdraw the task"),
    "withdraw_help": (
        "Đơn vị sẽ không còn thấy nhiệm vụ này sau lần đồng bộ tới; các báo cáo đã viết "
        "trước khi thu hồi vẫn được nhận.",
        "The unit no longer sees this task after its next sync; reports written before "
        "the withdrawal are still received.",
    ),
    "withdraw_reason": ("Lý do thu hồi", "Reason for withdrawing"),
    "withdrawn_on": ("Đã thu hồi ngày {day}: {reason}", "Withdrawn on {day}: {reason}"),
    "description": ("Mô tả", "Description"),
    "start_date": ("Ngày bắt đầu", "Start date"),
    "save": ("Lưu", "Save"),
    "cancel": ("Huỷ", "Cancel"),
    "saved": ("Đã lưu nhiệm vụ {code}.", "Task {code} saved."),
    "complete_task": ("Xác nhận hoàn thành nhiệm vụ {code}", "Mark task {code} done"),
    "complete_ask": (
        "Nhiệm vụ sẽ được ghi là đã hoàn thành hôm nay ({day}), tiến độ 100%; thay đổi này "
        "được gửi xuống máy của đơn vị ở lần đồng bộ sau.",
        "The task will be recorded as done today ({day}) at 100%; the change reaches the "
        "unit's devices at their next sync.",
    ),
    "already_done": ("Nhiệm vụ đã hoàn thành ngày {day}.", "The task was done on {day}."),
    "complete_yes": ("Xác nhận hoàn thành", "Yes, mark it done"),
    "session_lost": (
        "Phiên làm việc đã hết hạn hoặc biểu mẫu đã cũ, nên ý kiến chưa được gửi. Nội dung "
        "bạn đã gõ vẫn còn dưới đây: hãy gửi lại.",
        "Your session expired or the form was stale, so the comment was not sent. What you "
        "typed is kept below: submit it again.",
    ),
    "session_lost_resume": (
        "Phiên làm việc đã hết hạn, nên ý kiến chưa được gửi. Hãy đăng nhập lại: ý kiến "
        "bạn đã gõ được giữ lại và sẽ hiện lại trên báo cáo để bạn gửi.",
        "Your session expired, so the comment was not sent. Sign in again: what you typed "
        "is kept and comes back on the report for you to send.",
    ),
    "comment_resumed": (
        "Ý kiến bạn gõ trước khi phiên hết hạn đã được giữ lại bên dưới; kiểm tra rồi bấm "
        "Chấp nhận hoặc Trả lại để gửi.",
        "The comment you typed before the session expired is kept below; check it, then "
        "press Accept or Return to send it.",
    ),
    "your_comment": ("Ý kiến bạn đã gõ", "The comment you typed"),
    "import_sheet": ("Nhập từ tệp CSV/XLSX", "Import a CSV/XLSX sheet"),
    "import_hint": (
        "Cột: mã, tên nhiệm vụ, đơn vị, thời hạn (dd/mm/yyyy) và tuỳ chọn. Có lỗi ở bất kỳ "
        "dòng nào thì không nhập dòng nào.",
        "Columns: code, title, unit, deadline (dd/mm/yyyy) and optional ones. An error on "
        "any row imports nothing.",
    ),
    "upload": ("Tải lên và nhập", "Upload and import"),
    "sheet_missing": ("Chưa chọn tệp.", "No file chosen."),
    "sheet_type": ("Chỉ nhận tệp .csv hoặc .xlsx.", "Only .csv or .xlsx files."),
    "sheet_unreadable": ("Không đọc được tệp .xlsx này.", "This .xlsx file cannot be read."),
    "imported": (
        "Đã nhập: {created} nhiệm vụ mới, {updated} nhiệm vụ cập nhật.",
        "Imported: {created} new tasks, {updated} updated.",
    ),
    "problems": ("Không nhập được — các lỗi:", "Nothing imported — the problems:"),
    "task_unit_forbidden": (
        "Chỉ được giao nhiệm vụ cho đơn vị mình phụ trách.",
        "You may assign tasks only to your units.",
    ),
    "more_tasks": ("Chỉ hiện {count} nhiệm vụ đầu.", "Only the first {count} tasks are shown."),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "bad_login": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "locked": (
        "Nhập sai mật khẩu quá nhiều lần; thử lại sau {minutes} phút.",
        "Too many wrong passwords; try again in {minutes} minutes.",
    ),
    "form_expired": (
        "Biểu mẫu đã hết hạn; vui lòng gửi lại.",
        "The form has expired; please submit it again.",
    ),
    "officer_title": (
        "Trang này dành cho lãnh đạo và chuyên viên",
        "This console is for reviewers",
    ),
    "officer_text": (
        "Tài khoản cán bộ xã báo cáo tiến độ bằng ứng dụng dxdesk trên máy tính. "
        "Trang tổng hợp dành cho lãnh đạo, chuyên viên tổng hợp và quản trị.",
        "Commune officers report progress with the dxdesk desktop app. This console "
        "is for province and central reviewers and admins.",
    ),
    "back_to_sign_in": ("Quay lại đăng nhập", "Back to sign-in"),
    "not_found_title": ("Không tìm thấy", "Not found"),
    "not_found_text": (
        "Không có mục này trong các đơn vị bạn được xem.",
        "There is no such item in the units you may see.",
    ),
    "bad_request_title": ("Yêu cầu không hợp lệ", "Bad request"),
    "error_title": ("Đã có lỗi", "Something went wrong"),
    "ind_hint": (
        "Mỗi dòng một chỉ tiêu; xoá trắng một dòng để bỏ chỉ tiêu đó. Mục tiêu viết "
        "không có dấu phân cách hàng nghìn (1200; 12,5).",
        "One indicator a row; clear a row to remove it. Targets without thousands "
        "separators (1200; 12.5).",
    ),
    "ind_row": ("Chỉ tiêu {n}", "Indicator {n}"),
    "ind_code": ("Mã chỉ tiêu", "Code"),
    "ind_name": ("Tên chỉ tiêu", "Name"),
    "ind_unit": ("Đơn vị tính", "Measure"),
    "ind_target": ("Mục tiêu", "Target"),
    "ind_bad_number": (
        "mục tiêu “{value}” không phải là một số viết không dấu phân cách hàng nghìn "
        "(ví dụ 1200 hoặc 12,5)",
        "the target “{value}” is not a number without thousands separators (e.g. 1200 or 12.5)",
    ),
    "ind_needs_code_name": ("cần cả mã và tên chỉ tiêu", "needs both a code and a name"),
    "ind_duplicate": ("mã “{code}” đã dùng ở dòng trên", "the code “{code}” is used above"),
    "internal_error": (
        "Máy chủ gặp lỗi khi xử lý yêu cầu; không có gì bị thay đổi. Vui lòng thử lại "
        "sau ít phút hoặc báo cho quản trị.",
        "The server failed to handle the request; nothing was changed. Please try again "
        "in a few minutes or tell the administrator.",
    ),
    "method_not_allowed": (
        "Địa chỉ này không nhận kiểu yêu cầu đó.",
        "This address does not take that kind of request.",
    ),
    "too_large": (
        "Tệp hoặc biểu mẫu gửi lên quá lớn (tối đa {size}); không có gì được nhập.",
        "The file or form sent is too large (at most {size}); nothing was imported.",
    ),
    "body_timeout": (
        "Dữ liệu gửi lên đến quá chậm; vui lòng gửi lại.",
        "What was sent arrived too slowly; please send it again.",
    ),
    "bad_request_text": (
        "Trình duyệt gửi một yêu cầu máy chủ không đọc được; vui lòng thử lại.",
        "The browser sent a request the server cannot read; please try again.",
    ),
    "signed_in_as": ("Đăng nhập: {name}", "Signed in: {name}"),
    "language": ("Ngôn ngữ", "Language"),
    "lang_other": ("English", "Tiếng Việt"),
    # overview
    "overview_of": ("Tổng quan: {unit}", "Overview: {unit}"),
    "as_of": ("Số liệu đến ngày {date}", "Figures as of {date}"),
    "unit": ("Đơn vị", "Unit"),
    "export": ("Xuất bảng theo dõi", "Export the tracking table"),
    "tasks": ("Nhiệm vụ", "Tasks"),
    "total": ("Tổng", "Total"),
    "all_units": ("Toàn bộ", "All units"),
    "up": ("Lên cấp trên", "Up one level"),
    "overdue_tasks": ("Nhiệm vụ quá hạn ({count})", "Overdue tasks ({count})"),
    "days_overdue": ("Số ngày quá hạn", "Days overdue"),
    "overdue_by": ("quá {days} ngày", "{days} days late"),
    "code": ("Mã", "Code"),
    "task": ("Nhiệm vụ", "Task"),
    "deadline": ("Thời hạn", "Deadline"),
    "progress": ("Tiến độ", "Progress"),
    "status": ("Tình trạng", "Status"),
    "silent_units": ("Đơn vị chưa báo cáo ({count})", "Silent units ({count})"),
    "silent_days": ("Không báo cáo trong (ngày)", "No report in (days)"),
    "show": ("Xem", "Show"),
    "last_report": ("Báo cáo gần nhất", "Latest report"),
    "never": ("Chưa từng báo cáo", "Never reported"),
    "indicators": ("Chỉ tiêu định lượng", "Quantitative indicators"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "target": ("Mục tiêu", "Target"),
    "reported": ("Đã đạt (báo cáo gần nhất)", "Reached (latest report)"),
    "share": ("Tỷ lệ", "Share"),
    "weekly_chart": ("Số báo cáo nhận được mỗi tuần", "Reports received per week"),
    "week_of": ("Tuần từ {date}", "Week of {date}"),
    "none": ("Không có", "None"),
    "live_note": ("Tự cập nhật khi có báo cáo mới.", "Updates itself when reports arrive."),
    # inbox
    "inbox_title": ("Báo cáo tiến độ", "Progress reports"),
    "filter": ("Lọc", "Filter"),
    "clear": ("Xoá bộ lọc", "Clear filters"),
    "search": ("Tìm (không cần dấu)", "Search (accents optional)"),
    "review_state": ("Trạng thái xem xét", "Review state"),
    "any": ("Tất cả", "Any"),
    "pending": ("Chờ xem xét", "Awaiting review"),
    "accepted": ("Đã chấp nhận", "Accepted"),
    "returned": ("Đã trả lại", "Returned"),
    "date_from": ("Từ ngày", "From"),
    "date_to": ("Đến ngày", "To"),
    "received": ("Ngày nhận", "Received"),
    "results": ("Kết quả đạt được", "Results"),
    "difficulties": ("Khó khăn, vướng mắc", "Difficulties"),
    "proposals": ("Kiến nghị", "Proposals"),
    "no_reports": ("Không có báo cáo nào.", "No reports."),
    "next_page": ("Trang sau", "Next page"),
    "first_page": ("Trang đầu", "First page"),
    "classified": ("Mật", "Classified"),
    "classified_hidden": (
        "Báo cáo mật: nội dung được ẩn. Việc mở báo cáo được ghi nhật ký.",
        "Classified report: its words are hidden. Opening it is recorded in the audit trail.",
    ),
    "open_classified": ("Mở báo cáo mật", "Open the classified report"),
    "sealed_unreadable": (
        "Báo cáo mật này được niêm phong bằng khoá khác của máy chủ.",
        "This classified report was sealed to another server key.",
    ),
    "report_of": ("Báo cáo {code}", "Report {code}"),
    "submitted_by": ("Người gửi", "Submitted by"),
    "author": ("Người lập", "Author"),
    "device": ("Thiết bị", "Device"),
    "signature": ("Chữ ký số", "Signature"),
    "sig_valid": ("Hợp lệ", "Valid"),
    "sig_invalid": ("KHÔNG hợp lệ", "INVALID"),
    "sig_unsigned": ("Không ký (thiết bị cũ)", "Unsigned (older device)"),
    "created": ("Ngày lập", "Written"),
    "status_claim": ("Tự đánh giá", "Claimed status"),
    "attachments": ("Tệp đính kèm", "Attachments"),
    "download": ("Tải về", "Download"),
    "earlier_reports": ("Các báo cáo trước của nhiệm vụ", "Earlier reports of this task"),
    "review": ("Xem xét", "Review"),
    "comment": ("Ý kiến", "Comment"),
    "accept": ("Chấp nhận", "Accept"),
    "return": ("Trả lại", "Return"),
    "comment_required": (
        "Cần ghi ý kiến khi trả lại báo cáo.",
        "A comment is required to return a report.",
    ),
    "comment_too_long": (
        "Ý kiến quá dài (tối đa 4000 ký tự).",
        "The comment is too long (4000 max).",
    ),
    "reviewed": ("Đã xem xét: {state} lúc {at}", "Reviewed: {state} at {at}"),
    "bad_date": ("Ngày không hợp lệ: {value}", "Not a date: {value}"),
    "bad_number": ("Số ngày phải từ 1 đến 3650.", "Days must be 1 to 3650."),
    "search_too_broad": (
        "Từ khoá tìm kiếm quá chung; hãy gõ cụ thể hơn.",
        "The search matches too many tasks; be more specific.",
    ),
    "bad_page": ("Liên kết trang không hợp lệ.", "Not a valid page link."),
    "claim_in_progress": ("Đang thực hiện", "In progress"),
    "claim_done": ("Đã hoàn thành", "Done"),
    "claim_blocked": ("Gặp vướng mắc", "Blocked"),
}


def translator(lang: str) -> Callable[..., str]:
    index = LANGS.index(lang) if lang in LANGS else 0

    def t(key: str, **values: object) -> str:
        text = _WORDS[key][index]
        return text.format(**values) if values else text

    return t


def pick(raw: str | None) -> str:
    return raw if raw in LANGS else DEFAULT_LANG
