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
    "profile_cost_invalid": (
        "{env}={value} không hợp lệ hoặc yếu hơn mức tối thiểu của OWASP cho Argon2id: "
        "dùng SỐ_LƯỢT,MiB,SỐ_LUỒNG với ít nhất 7 MiB và lượt × MiB từ 35 (ví dụ 2,19,1).",
        "{env}={value} is not valid or is weaker than OWASP's minimum for Argon2id: "
        "use PASSES,MEMORY_MIB,THREADS with at least 7 MiB and passes x MiB of at least "
        "35 (e.g. 2,19,1).",
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
    # Talking to the server (sync.session names each failure with one of these).
    "no_server": (
        "Chưa cài đặt máy chủ: hãy chạy dxdesk login --server https://… --user TÊN trước.",
        "No server is set up: run dxdesk login --server https://… --user NAME first.",
    ),
    "server_unreachable": (
        "Không kết nối được máy chủ. Hãy kiểm tra mạng hoặc địa chỉ; "
        "báo cáo vẫn an toàn trên máy này.",
        "Cannot reach the server. Check the network or the address; "
        "your reports are safe on this computer.",
    ),
    "server_trouble": (
        "Máy chủ đang gặp sự cố; hãy thử lại sau. Báo cáo vẫn an toàn trên máy này.",
        "The server has a problem right now; try again later. "
        "Your reports are safe on this computer.",
    ),
    "no_network": (
        "Máy tính này đang mất mạng. Báo cáo vẫn an toàn trên máy này và sẽ gửi khi có mạng.",
        "This computer has no network. Your reports are safe on this computer and will be "
        "sent when the network is back.",
    ),
    # How a sync ended, in one line (the window's status bar says it after a sync).
    "sync_sent_received": (
        "Đã gửi {sent} báo cáo, nhận {received} cập nhật.",
        "Sent {sent} reports, received {received} updates.",
    ),
    "sync_sent_received_rejected": (
        "Đã gửi {sent} báo cáo ({rejected} bị từ chối), nhận {received} cập nhật.",
        "Sent {sent} reports ({rejected} rejected), received {received} updates.",
    ),
    "sync_nothing": (
        "Đã đồng bộ: không có gì để gửi, không có cập nhật mới.",
        "Synced: nothing to send, no new updates.",
    ),
    "sync_failed": (
        "Chưa đồng bộ được. {reason}",
        "Sync did not complete. {reason}",
    ),
    # Finding a task in the window.
    "no_task_matches": (
        "Không có nhiệm vụ nào khớp «{text}».",
        "No task matches «{text}».",
    ),
    "no_task_matches_filter": (
        "Không có nhiệm vụ nào khớp «{text}» trong mục «{filter}».",
        "No task in «{filter}» matches «{text}».",
    ),
    "clear_search": ("Xoá tìm kiếm", "Clear search"),
    "open_task_hint": (
        "Nhấp đúp hoặc nhấn Enter để mở nhiệm vụ.",
        "Double-click or press Enter to open the task.",
    ),
    # Where the server stands, for the status bar (short: it shares a line).
    "state_no_network": (
        "Mất mạng — báo cáo được giữ trên máy này",
        "No network — reports are kept on this computer",
    ),
    "state_server_unreachable": (
        "Không kết nối được máy chủ — báo cáo được giữ trên máy này",
        "Cannot reach the server — reports are kept on this computer",
    ),
    "state_server_trouble": (
        "Máy chủ đang gặp sự cố — báo cáo được giữ trên máy này",
        "The server has a problem — reports are kept on this computer",
    ),
    "login_needed": (
        "Cần đăng nhập lại để đồng bộ (không mất gì; báo cáo vẫn chờ gửi).",
        "Login needed to sync: log in again (nothing was lost; reports stay queued).",
    ),
    "wrong_credentials": (
        "Sai tên đăng nhập hoặc mật khẩu.",
        "Wrong user name or password.",
    ),
    "account_locked": (
        "Nhập sai mật khẩu quá nhiều lần: tài khoản tạm khoá khoảng 15 phút. "
        "Hãy thử lại sau, hoặc liên hệ quản trị viên.",
        "Too many wrong passwords: this account is locked for about 15 minutes. "
        "Try again later, or ask your administrator.",
    ),
    "captive_portal": (
        "Mạng này cần đăng nhập trước: mở trình duyệt, chấp nhận điều khoản Wi-Fi, rồi thử lại.",
        "This network needs sign-in first: open a web browser, accept the Wi-Fi terms, "
        "then try again.",
    ),
    "certificate_untrusted": (
        "Chứng thư của máy chủ không được tin cậy. Hãy kiểm tra địa chỉ, hoặc xin quản trị "
        "viên chứng thư của đơn vị (Cài đặt).",
        "The server's certificate is not trusted. Check the address, or ask your "
        "administrator for the site certificate (Settings).",
    ),
    "client_outdated": (
        "Phiên bản dxdesk này đã cũ so với máy chủ; hãy cập nhật.",
        "This dxdesk is too old for the server; please update it.",
    ),
    "server_outdated": (
        "Máy chủ cũ hơn phiên bản dxdesk này; hãy báo quản trị viên cập nhật máy chủ. "
        "Dữ liệu trên máy không bị mất.",
        "The server is older than this dxdesk; ask the administrator to update it. "
        "Nothing on this computer is lost.",
    ),
    "server_address_invalid": (
        "Địa chỉ máy chủ không hợp lệ (cần dạng https://…).",
        "The server address is not valid (expected https://…).",
    ),
    "server_refused": (
        "Máy chủ từ chối yêu cầu.",
        "The server refused the request.",
    ),
    "server_refused_detail": (
        "Máy chủ từ chối yêu cầu: {detail}",
        "The server refused the request: {detail}",
    ),
    "server_url_not_address": (
        "«{url}» không phải là địa chỉ máy chủ (cần dạng https://tên-máy-chủ[:cổng]).",
        "“{url}” is not a server address (expected https://host[:port]).",
    ),
    "server_url_plain_http": (
        "Không gửi dữ liệu không mã hoá (http://) tới {host}: hãy dùng https://. "
        "Chỉ máy này (127.0.0.1, localhost) được dùng http://.",
        "No unencrypted http:// to {host}: use https://. Only this computer "
        "(127.0.0.1, localhost) may use http://.",
    ),
    "server_change_note": (
        "Đổi máy chủ: bạn phải đăng nhập vào máy chủ mới trước khi đồng bộ. Báo cáo "
        "đang chờ gửi và bản nháp vẫn được giữ trên máy này; báo cáo chờ gửi chỉ được "
        "gửi tới máy chủ mới sau khi bạn đăng nhập. Đăng nhập ở địa chỉ cũ vẫn được giữ "
        "nếu bạn đổi lại.",
        "Changing the server: you must sign in to the new server before syncing. "
        "Queued reports and drafts stay on this computer; queued reports go to the new "
        "server only after you sign in. The sign-in at the old address is kept if you "
        "change back.",
    ),
    "server_change_title": ("Đổi máy chủ?", "Change the server?"),
    "server_change_confirm": ("Đổi máy chủ", "Change server"),
    "server_change_keep": ("Giữ máy chủ cũ", "Keep the old server"),
    "server_address_invalid_detail": (
        "Địa chỉ máy chủ không dùng được: {detail}",
        "The server address cannot be used: {detail}",
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
    "clock_impossible": (
        "Đồng hồ máy tính đang chỉ năm {year}: hãy chỉnh ngày giờ của máy rồi hoàn tất "
        "báo cáo lại (bản nháp vẫn được giữ).",
        "The computer's clock says {year}: set the date and time, then finalize the "
        "report again (the draft is kept).",
    ),
    "done_needs_full_progress": (
        "Báo cáo «đã hoàn thành» phải có tiến độ 100%, không phải {value}%.",
        "A “done” report must have 100% progress, not {value}%.",
    ),
    # Finalize's confirmation: contradictions worth a second look, not refusals.
    "full_progress_not_done": (
        "Tiến độ 100% nhưng trạng thái vẫn là «đang thực hiện»: nhiệm vụ đã xong chưa?",
        "Progress is 100% but the status is still “in progress”: is the task done?",
    ),
    "indicator_zero_when_done": (
        "Nhiệm vụ báo xong (100%) nhưng chỉ tiêu «{name}» là {value}.",
        "The task is reported complete (100%) but indicator “{name}” is {value}.",
    ),
    "indicator_below_target_when_done": (
        "Nhiệm vụ báo xong (100%) nhưng chỉ tiêu «{name}» mới đạt {value}/{target} {unit}.",
        "The task is reported complete (100%) but indicator “{name}” is {value} of "
        "{target} {unit}.",
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
    "too_many_indicators": (
        "Quá nhiều chỉ tiêu: {count}, tối đa {limit}.",
        "Too many indicator values: {count}, at most {limit}.",
    ),
    "disk_full": (
        "Ổ đĩa chứa {path} đã đầy: hãy giải phóng dung lượng rồi chạy lại lệnh. "
        "Không có gì bị thay đổi.",
        "The disk holding {path} is full: free some space and run the command again. "
        "Nothing was changed.",
    ),
    "folder_read_only": (
        "Thư mục {path} chỉ đọc (ổ đĩa hoặc thư mục bị khoá ghi): dxdesk không lưu được gì. "
        "Không có gì bị thay đổi.",
        "The folder {path} is read-only (a write-protected disk or folder): dxdesk cannot "
        "save anything there. Nothing was changed.",
    ),
    "folder_not_permitted": (
        "Tài khoản này không có quyền ghi vào {path}: hãy nhờ quản trị máy sửa quyền của "
        "thư mục. Không có gì bị thay đổi.",
        "This account may not write to {path}: ask the computer's administrator to fix "
        "the folder's permissions. Nothing was changed.",
    ),
    "report_awaits_server_update": (
        "Máy chủ chưa nhận được tệp đính kèm của báo cáo mật (máy chủ cần cập nhật dxdesk); "
        "báo cáo vẫn chờ gửi, không mất gì.",
        "The server cannot take a classified report's attachments yet (it needs a dxdesk "
        "update); the report stays queued, nothing is lost.",
    ),
    "report_cannot_be_sent": (
        "Báo cáo này không thể gửi ({reason}); hãy lập báo cáo điều chỉnh trong giới hạn. "
        "Các báo cáo khác vẫn được gửi.",
        "This report cannot be sent ({reason}); write a correction within the limits. "
        "The other reports are still sent.",
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
    # A task the server withdrew or no longer assigns to the user (dxdesk.tasks.remove):
    # hidden from the task list; its reports stay and name it with one of these.
    "task_withdrawn": (
        "Nhiệm vụ đã bị thu hồi: {reason}",
        "The task was withdrawn: {reason}",
    ),
    "task_moved_away": (
        "Nhiệm vụ đã được chuyển cho đơn vị khác.",
        "The task was moved to another unit.",
    ),
    "task_unlisted": (
        "Máy chủ không còn giao nhiệm vụ này cho đơn vị của bạn.",
        "The server no longer assigns this task to your unit.",
    ),
    "task_removed_no_report": (
        "Nhiệm vụ «{code}» đã bị thu hồi hoặc không còn giao cho đơn vị của bạn: không lập "
        "được báo cáo mới. Các báo cáo đã viết vẫn được giữ.",
        "Task “{code}” was withdrawn or is no longer assigned to your unit: no new report "
        "can be written on it. The reports already written are kept.",
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
    # -- USB bundles (docs/cli.md: export-bundle, deliver-bundle, import-receipt…) --
    "bundle_not_ours": (
        "Tệp này không phải gói dữ liệu dxdesk.",
        "This file is not a dxdesk bundle.",
    ),
    "bundle_version": (
        "Gói dữ liệu có định dạng {version} mà phiên bản này không đọc được; hãy cập nhật "
        "dxdesk. Chưa nhập gì.",
        "The bundle has format {version}, which this version cannot read; update dxdesk. "
        "Nothing was imported.",
    ),
    "bundle_too_large": (
        "Gói dữ liệu nặng {size_mb} MB, vượt giới hạn {limit_mb} MB. Chưa nhập gì.",
        "The bundle is {size_mb} MB, over the {limit_mb} MB limit. Nothing was imported.",
    ),
    "bundle_too_large_to_upload": (
        "Gói dữ liệu nặng {size_mb} MB, quá giới hạn gửi qua mạng ({limit_mb} MB): hãy "
        "chuyển tệp cho văn phòng trung tâm để nhập bằng dxdesk-server import-bundle. "
        "Không gửi.",
        "The bundle is {size_mb} MB, over the {limit_mb} MB that can be sent over the "
        "network: give the file to the central office, which imports it with "
        "dxdesk-server import-bundle. Not sent.",
    ),
    "bundle_truncated": (
        "Gói dữ liệu bị cắt cụt: chỉ có {found} trên {expected} byte (thiếu {missing}). "
        "Hãy chép lại tệp từ máy gốc. Chưa nhập gì.",
        "The bundle is truncated: {found} of {expected} bytes ({missing} missing). Copy the "
        "file again from the original computer. Nothing was imported.",
    ),
    "bundle_truncated_header": (
        "Gói dữ liệu bị cắt cụt ngay ở phần đầu (chỉ có {found} byte). Hãy chép lại tệp từ "
        "máy gốc. Chưa nhập gì.",
        "The bundle is truncated within its header (only {found} bytes). Copy the file "
        "again from the original computer. Nothing was imported.",
    ),
    "bundle_corrupted": (
        "Gói dữ liệu bị hỏng: mã kiểm tra không khớp (bản sao hoặc USB bị lỗi). Hãy chép lại "
        "tệp từ máy gốc. Chưa nhập gì.",
        "The bundle is corrupted: its checksum does not match (a damaged copy or stick). "
        "Copy the file again from the original computer. Nothing was imported.",
    ),
    "bundle_header_damaged": (
        "Phần đầu gói dữ liệu bị hỏng ({detail}). Chưa nhập gì.",
        "The bundle's header is damaged ({detail}). Nothing was imported.",
    ),
    "bundle_wrong_server": (
        "Gói dữ liệu được niêm phong cho máy chủ có khoá {bundle_key}, không phải máy chủ "
        "này (khoá {server_key}). Hãy chuyển đến đúng máy chủ. Chưa nhập gì.",
        "The bundle is sealed to the server with key {bundle_key}, not to this server (key "
        "{server_key}). Deliver it to the server it was made for. Nothing was imported.",
    ),
    "bundle_unknown_device": (
        "Máy {device} chưa đăng ký với máy chủ này nên không xác minh được gói dữ liệu. "
        "Chưa nhập gì.",
        "Device {device} is not registered with this server, so the bundle cannot be "
        "verified. Nothing was imported.",
    ),
    "bundle_foreign_signer": (
        "Gói dữ liệu được ký bằng khoá {key}, không phải khoá đã đăng ký cho máy {device}: "
        "nó đã bị một máy khác ký lại. Chưa nhập gì.",
        "The bundle is signed with key {key}, which is not registered for device {device}: "
        "it was re-signed by another device. Nothing was imported.",
    ),
    "bundle_bad_signature": (
        "Chữ ký của gói dữ liệu không khớp với nội dung: tệp đã bị sửa. Chưa nhập gì.",
        "The bundle's signature does not match its content: the file was altered. "
        "Nothing was imported.",
    ),
    "bundle_unreadable": (
        "Không mở được phần niêm phong của gói dữ liệu bằng khoá của máy chủ này: tệp đã bị "
        "sửa. Chưa nhập gì.",
        "The bundle's sealed content cannot be opened with this server's key: the file was "
        "altered. Nothing was imported.",
    ),
    "bundle_content_damaged": (
        "Nội dung gói dữ liệu bị hỏng ({detail}). Chưa nhập gì.",
        "The bundle's content is damaged ({detail}). Nothing was imported.",
    ),
    "bundle_user_mismatch": (
        "Gói dữ liệu ghi người dùng {user}, nhưng chữ ký không phải của {user} trên máy "
        "{device}. Chưa nhập gì.",
        "The bundle names user {user}, but it is not signed by {user}'s key on device "
        "{device}. Nothing was imported.",
    ),
    "bundle_replayed": (
        "Gói dữ liệu {bundle_id} đã được nhập lúc {at}; không nhập lại lần nữa. Đây là biên "
        "nhận gốc.",
        "Bundle {bundle_id} was already imported at {at}; nothing was imported again. This "
        "is the original receipt.",
    ),
    "bundle_id_reused": (
        "Một gói dữ liệu khác có cùng mã {bundle_id} đã được nhập; gói này bị từ chối. "
        "Chưa nhập gì.",
        "A different bundle with the id {bundle_id} was already imported; this one is "
        "refused. Nothing was imported.",
    ),
    "bundle_other_server": (
        "Gói dữ liệu này dành cho máy chủ có khoá {bundle_key}, nhưng bạn đang đăng nhập "
        "máy chủ có khoá {server_key}. Không gửi.",
        "This bundle is for the server with key {bundle_key}, but you are logged in to the "
        "server with key {server_key}. Not sent.",
    ),
    "bundle_needs_login": (
        "Hãy đăng nhập một lần khi có mạng trước: gói dữ liệu được ký bằng khoá máy đã đăng "
        "ký với máy chủ và niêm phong bằng khoá của máy chủ.",
        "Log in once while online first: a bundle is signed with the key the server "
        "registered at login and sealed to the server's key.",
    ),
    "bundle_nothing_to_export": (
        "Không có báo cáo nào chờ gửi; không tạo tệp.",
        "No report is waiting to be sent; no file was written.",
    ),
    "bundle_file_exists": (
        "Tệp {path} đã có; hãy chọn tên khác (hoặc thêm --overwrite).",
        "{path} already exists; choose another name (or add --overwrite).",
    ),
    "store_lost": (
        "Không thấy dữ liệu {path} (mất hoặc rỗng), trong khi {key_file} cho thấy người dùng "
        "này đã có dữ liệu: bắt đầu lại từ đầu sẽ làm mất các báo cáo đang chờ gửi, nên "
        "dxdesk dừng lại. Không có gì bị thay đổi. Trong {backups} chưa có bản sao lưu nào: "
        "hãy chép lại tệp từ bản sao của máy này, hoặc nhờ bộ phận hỗ trợ.",
        "The store {path} is missing or empty, yet {key_file} shows this user had one: "
        "starting afresh would lose the reports waiting in it, so dxdesk stops here. Nothing "
        "was changed. There is no backup in {backups} yet: put the file back from a copy of "
        "this computer, or ask support.",
    ),
    "store_lost_backup": (
        "Không thấy dữ liệu {path} (mất hoặc rỗng), trong khi {key_file} cho thấy người dùng "
        "này đã có dữ liệu: bắt đầu lại từ đầu sẽ làm mất các báo cáo đang chờ gửi, nên "
        "dxdesk dừng lại. Không có gì bị thay đổi. Bản sao lưu mới nhất là {backup}: hãy chép "
        "nó thành {path} (hoặc nhờ bộ phận hỗ trợ).",
        "The store {path} is missing or empty, yet {key_file} shows this user had one: "
        "starting afresh would lose the reports waiting in it, so dxdesk stops here. Nothing "
        "was changed. The newest backup is {backup}: copy it to {path} (or ask support).",
    ),
    "store_damaged": (
        "Dữ liệu {path} bị hỏng ({detail}); dxdesk không dùng nó để không mất thêm. Không có "
        "gì bị thay đổi. Trong {backups} chưa có bản sao lưu nào: hãy nhờ bộ phận hỗ trợ.",
        "The store {path} is damaged ({detail}); dxdesk will not use it, so nothing more is "
        "lost. Nothing was changed. There is no backup in {backups} yet: ask support.",
    ),
    "store_damaged_backup": (
        "Dữ liệu {path} bị hỏng ({detail}); dxdesk không dùng nó để không mất thêm. Không có "
        "gì bị thay đổi. Bản sao lưu mới nhất là {backup}: hãy chép nó thành {path} (hoặc "
        "nhờ bộ phận hỗ trợ).",
        "The store {path} is damaged ({detail}); dxdesk will not use it, so nothing more is "
        "lost. Nothing was changed. The newest backup is {backup}: copy it to {path} (or ask "
        "support).",
    ),
    "file_is_link": (
        "{path} là một liên kết (symlink): dxdesk không đọc và không ghi qua liên kết, vì "
        "một USB đã được chuẩn bị sẵn có thể trỏ nó tới bất kỳ tệp nào. Không có gì bị "
        "thay đổi; hãy dùng đường dẫn tới chính tệp đó.",
        "{path} is a symbolic link: dxdesk neither reads nor writes through links, since a "
        "prepared USB stick could point one at any file. Nothing was changed; give the path "
        "of the file itself.",
    ),
    "file_not_regular": (
        "{path} không phải là một tệp thông thường (mà là thư mục, ống dẫn hoặc thiết bị). "
        "Không có gì bị thay đổi.",
        "{path} is not an ordinary file (it is a folder, a pipe or a device). Nothing was changed.",
    ),
    "file_too_large": (
        "{path} nặng {size_mb} MB, lớn hơn mức {limit_mb} MB của loại tệp này; không đọc. "
        "Không có gì bị thay đổi.",
        "{path} is {size_mb} MB, over the {limit_mb} MB any file of this kind can be; it was "
        "not read. Nothing was changed.",
    ),
    "receipt_unreadable": (
        "Tệp biên nhận không đọc được ({detail}).",
        "The receipt file cannot be read ({detail}).",
    ),
    "receipt_bad_signature": (
        "Biên nhận không mang chữ ký hợp lệ của máy chủ: nó đã bị sửa, hoặc do máy chủ khác "
        "cấp. Không thay đổi gì.",
        "The receipt does not carry a valid signature of the server: it was altered, or it "
        "comes from another server. Nothing was changed.",
    ),
    "server_signing_key_unknown": (
        "Máy này chưa biết khoá ký của máy chủ: hãy đăng nhập một lần khi có mạng. Không "
        "thay đổi gì.",
        "This computer does not know the server's signing key yet: log in once while "
        "online. Nothing was changed.",
    ),
    "receipt_other_device": (
        "Biên nhận này dành cho máy {device}, không phải máy này ({this_device}). Không "
        "thay đổi gì.",
        "This receipt is for device {device}, not this computer ({this_device}). Nothing "
        "was changed.",
    ),
    "receipt_unknown_bundle": (
        "Biên nhận này cho gói dữ liệu {bundle_id}, không phải gói do {user} xuất trên máy "
        "này. Không thay đổi gì.",
        "This receipt is for bundle {bundle_id}, which {user} did not export on this "
        "computer. Nothing was changed.",
    ),
    "package_unreadable": (
        "Tệp gói nhiệm vụ không đọc được ({detail}).",
        "The task package cannot be read ({detail}).",
    ),
    "package_bad_signature": (
        "Gói nhiệm vụ không mang chữ ký hợp lệ của máy chủ: nó đã bị sửa, hoặc do máy chủ "
        "khác cấp. Không thay đổi gì.",
        "The task package does not carry a valid signature of the server: it was altered, "
        "or it comes from another server. Nothing was changed.",
    ),
    # Updates of dxdesk itself (sync.updates, sync.update_install, dxdesk.updater).
    "update_refused_untrusted": (
        "Bản cập nhật {version} bị từ chối: nó không mang chữ ký hợp lệ của khoá phát hành "
        "đã cài cho đơn vị. Tệp đã bị xoá; phiên bản đang dùng giữ nguyên.",
        "Update {version} refused: it does not carry a valid signature of the release key "
        "your site installed. It was deleted; the version you use stays.",
    ),
    "update_refused_tampered": (
        "Bản cập nhật {version} bị từ chối: tệp tải về khác với tệp đã được ký (bị hỏng hoặc "
        "bị sửa). Tệp đã bị xoá; phiên bản đang dùng giữ nguyên.",
        "Update {version} refused: the downloaded file is not the one the release key signed "
        "(damaged or tampered with). It was deleted; the version you use stays.",
    ),
    "update_nothing": (
        "Chưa có bản cập nhật nào được tải về.",
        "No update has been downloaded.",
    ),
    "update_syncing": (
        "Đang đồng bộ: hãy cài bản cập nhật khi đồng bộ xong. Chưa thay đổi gì.",
        "A sync is running: install the update when it ends. Nothing was changed.",
    ),
    "update_not_self": (
        "Bản cài này không tự cập nhật được (chỉ bản Linux portable và .deb tự cập nhật); "
        "hãy chạy: {command}",
        "This installation does not update itself (only the Linux portable and .deb ones "
        "do); run: {command}",
    ),
    "update_no_space": (
        "Ổ đĩa không đủ chỗ trống cho bản cập nhật ({path}). Hãy giải phóng chỗ trống rồi thử "
        "lại; phiên bản đang dùng và dữ liệu giữ nguyên.",
        "The disk has no room for the update ({path}). Free some space and try again; the "
        "version you use and your data stay as they are.",
    ),
    "update_download_cut": (
        "Việc tải bản cập nhật {version} bị ngắt (đã có {held}/{size} byte). Lần sau sẽ tải "
        "tiếp từ chỗ dừng.",
        "Downloading update {version} was cut ({held}/{size} bytes held). The next try "
        "continues where it stopped.",
    ),
    "update_damaged": (
        "Bản cập nhật bị hỏng nên không cài được; phiên bản đang dùng giữ nguyên.",
        "The update is damaged and cannot be installed; the version you use stays.",
    ),
    "update_delta_unusable": (
        "Bản vá cập nhật không dùng được trên máy này; phiên bản đang dùng giữ nguyên. Lần "
        "đồng bộ sau sẽ tải bản đầy đủ.",
        "The update patch cannot be used on this computer; the version you use stays. The "
        "next sync downloads the full update.",
    ),
    "update_already_installed": (
        "dxdesk {version} đã được cài rồi.",
        "dxdesk {version} is already installed.",
    ),
    "update_not_installed": (
        "Chưa cài được bản cập nhật; phiên bản đang dùng giữ nguyên. Chi tiết có trong nhật ký.",
        "The update could not be installed; the version you use stays. The log has details.",
    ),
    "update_deb_refused": (
        "Gói cài đặt chưa được cài (mã {code}): quyền quản trị bị từ chối hoặc gói bị từ "
        "chối. Phiên bản đang dùng giữ nguyên.",
        "The package was not installed (code {code}): administrator rights were refused or "
        "the package was refused. The version you use stays.",
    ),
    "update_restart_failed": (
        "Không khởi động lại được dxdesk; bản mới đã được cài. Hãy mở dxdesk như thường lệ. "
        "Dữ liệu không bị ảnh hưởng.",
        "dxdesk could not restart; the new version is installed. Start dxdesk as usual. No "
        "data was touched.",
    ),
    "update_rolled_back_exit": (
        "dxdesk {version} dừng ngay khi khởi động (mã {code}), nên phiên bản {previous} đã "
        "được dùng lại. Dữ liệu không bị ảnh hưởng.",
        "dxdesk {version} did not start (it stopped with exit code {code}), so version "
        "{previous} is back. No data was touched.",
    ),
    "update_rolled_back_timeout": (
        "dxdesk {version} không báo khởi động xong trong {seconds} giây, nên phiên bản "
        "{previous} đã được dùng lại. Dữ liệu không bị ảnh hưởng.",
        "dxdesk {version} did not start within {seconds} s, so version {previous} is back. "
        "No data was touched.",
    ),
    "update_rolled_back_not_run": (
        "Không chạy được dxdesk {version}, nên phiên bản {previous} đã được dùng lại. Dữ liệu "
        "không bị ảnh hưởng.",
        "dxdesk {version} could not be run, so version {previous} is back. No data was touched.",
    ),
    "update_interrupted_finished": (
        "Lần cài bản cập nhật dxdesk {version} bị ngắt (mất điện) trước khi kiểm tra xong; "
        "nay đã kiểm tra lại: bản {version} khởi động tốt và được giữ. Dữ liệu không bị ảnh "
        "hưởng.",
        "Installing dxdesk {version} was cut (a power cut) before its start check ended; it "
        "was checked now: {version} starts and is kept. No data was touched.",
    ),
    "update_interrupted_rolled_back": (
        "Lần cài bản cập nhật dxdesk {version} bị ngắt (mất điện) trước khi kiểm tra xong; "
        "nay kiểm tra lại thì bản {version} không khởi động được, nên phiên bản trước đã được "
        "dùng lại. Dữ liệu không bị ảnh hưởng.",
        "Installing dxdesk {version} was cut (a power cut) before its start check ended; "
        "checked now, {version} does not start, so the previous version is back. No data "
        "was touched.",
    ),
    "update_interrupted": (
        "Lần cài bản cập nhật dxdesk {version} bị ngắt (mất điện) trước khi kiểm tra xong và "
        "chưa hoàn tất được lúc này (mã {code}). Hãy nhờ quản trị viên chạy: sudo "
        "/opt/dxdesk/dxdesk-apply-update --resolve. Dữ liệu không bị ảnh hưởng.",
        "Installing dxdesk {version} was cut (a power cut) before its start check ended and "
        "could not be finished now (code {code}). Ask the administrator to run: sudo "
        "/opt/dxdesk/dxdesk-apply-update --resolve. No data was touched.",
    ),
    "package_other_unit": (
        "Gói nhiệm vụ này dành cho đơn vị {unit}, không phải đơn vị của bạn ({own_unit}). "
        "Không thay đổi gì.",
        "This task package is for unit {unit}, not your unit ({own_unit}). Nothing was changed.",
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
