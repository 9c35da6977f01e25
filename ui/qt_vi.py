"""Qt's own texts in Vietnamese: the file dialog, message box buttons, context menus.

Qt ships no ``qtbase_vi.qm``, so the officer saw "Look in:", "Cancel" and "Show
Details..." in an otherwise Vietnamese app. This translator answers for the Qt
contexts the app shows, from a table (no build step); ``ui.i18n`` installs it
with the Vietnamese catalogue and removes it on a switch to English.

The sources are Qt 6's own strings (``QCoreApplication.translate(context, source)``
calls inside Qt); a source Qt changes simply shows in English again, and
tests/ui/test_qt_vietnamese.py reports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTranslator

if TYPE_CHECKING:
    from typing_extensions import override
else:  # typing_extensions costs ~20 ms before the first window; mypy alone needs it
    from ui.overrides import override

_EDIT_MENU = {
    "&Undo": "&Hoàn tác",
    "&Redo": "&Làm lại",
    "Cu&t": "&Cắt",
    "&Copy": "&Sao chép",
    "&Paste": "&Dán",
    "Delete": "Xoá",
    "Select All": "Chọn tất cả",
}

TABLE: dict[str, dict[str, str]] = {
    "QPlatformTheme": {  # the standard buttons of message boxes and button boxes
        "OK": "Đồng ý",
        "Save": "Lưu",
        "Save All": "Lưu tất cả",
        "Open": "Mở",
        "&Yes": "&Có",
        "Yes to &All": "Có với tất &cả",
        "&No": "&Không",
        "N&o to All": "K&hông với tất cả",
        "Abort": "Huỷ bỏ",
        "Retry": "Thử lại",
        "Ignore": "Bỏ qua",
        "Close": "Đóng",
        "Cancel": "Huỷ",
        "Discard": "Không lưu",
        "Help": "Trợ giúp",
        "Apply": "Áp dụng",
        "Reset": "Đặt lại",
        "Restore Defaults": "Khôi phục mặc định",
    },
    "QMessageBox": {
        "Show Details...": "Xem chi tiết...",
        "Hide Details...": "Ẩn chi tiết...",
        "OK": "Đồng ý",
        "Help": "Trợ giúp",
    },
    "QFileDialog": {
        "&Look in:": "&Tìm trong:",
        "Look in:": "Tìm trong:",
        "File &name:": "&Tên tệp:",
        "Files of &type:": "&Loại tệp:",
        "Files of type:": "Loại tệp:",
        "Directory:": "Thư mục:",
        "&Open": "&Mở",
        "&Save": "&Lưu",
        "&Choose": "&Chọn",
        "Open": "Mở",
        "Save As": "Lưu thành",
        "Find Directory": "Chọn thư mục",
        "Back": "Quay lại",
        "Forward": "Tiến tới",
        "Parent Directory": "Thư mục cha",
        "Go back": "Quay lại",
        "Go forward": "Tiến tới",
        "Go to the parent directory": "Lên thư mục cha",
        "Create New Folder": "Tạo thư mục mới",
        "Create a New Folder": "Tạo một thư mục mới",
        "New Folder": "Thư mục mới",
        "&New Folder": "Thư mục &mới",
        "List View": "Xem dạng danh sách",
        "Detail View": "Xem chi tiết",
        "Change to list view mode": "Chuyển sang xem dạng danh sách",
        "Change to detail view mode": "Chuyển sang xem chi tiết",
        "List of places and bookmarks": "Các vị trí và dấu trang",
        "Sidebar": "Thanh bên",
        "Files": "Tệp",
        "Show ": "Hiện ",
        "Show &hidden files": "Hiện tệp &ẩn",
        "&Rename": "Đổi &tên",
        "&Delete": "&Xoá",
        "All Files (*)": "Tất cả các tệp (*)",
        "All Files (*.*)": "Tất cả các tệp (*.*)",
        "Directories": "Thư mục",
        "Recent Places": "Nơi đã mở gần đây",
        "My Computer": "Máy tính",
        "Computer": "Máy tính",
        "Drive": "Ổ đĩa",
        "File": "Tệp",
        "File Folder": "Thư mục",
        "Folder": "Thư mục",
        "Alias": "Bí danh",
        "Shortcut": "Lối tắt",
        "Unknown": "Không rõ",
        "Delete": "Xoá",
        "Are you sure you want to delete '%1'?": "Bạn có chắc muốn xoá '%1'?",
        "'%1' is write protected.\nDo you want to delete it anyway?": (
            "'%1' được bảo vệ chống ghi.\nBạn vẫn muốn xoá?"
        ),
        "Could not delete directory.": "Không xoá được thư mục.",
        "%1 already exists.\nDo you want to replace it?": "%1 đã có.\nBạn có muốn thay thế?",
        "%1\nFile not found.\nPlease verify the correct file name was given.": (
            "%1\nKhông tìm thấy tệp.\nHãy kiểm tra lại tên tệp."
        ),
        "%1\nDirectory not found.\nPlease verify the correct directory name was given.": (
            "%1\nKhông tìm thấy thư mục.\nHãy kiểm tra lại tên thư mục."
        ),
        "Alt+Left": "Alt+Left",
        "Alt+Right": "Alt+Right",
        "Alt+Up": "Alt+Up",
    },
    "QFileSystemModel": {
        "Name": "Tên",
        "Size": "Kích thước",
        "Type": "Loại",
        "Kind": "Loại",
        "Date Modified": "Ngày sửa",
        "Computer": "Máy tính",
        "My Computer": "Máy tính",
        "Invalid filename": "Tên tệp không hợp lệ",
        '<b>The name "%1" cannot be used.</b><p>Try using another name, with fewer '
        "characters or no punctuation marks.": (
            '<b>Không dùng được tên "%1".</b><p>Hãy dùng tên khác, ngắn hơn hoặc không có dấu câu.'
        ),
        "%1 TB": "%1 TB",
        "%1 GB": "%1 GB",
        "%1 MB": "%1 MB",
        "%1 KB": "%1 KB",
        "%1 bytes": "%1 byte",
    },
    "QAbstractFileIconProvider": {
        "Drive": "Ổ đĩa",
        "Folder": "Thư mục",
        "File Folder": "Thư mục",
        "File": "Tệp",
        "%1 File": "Tệp %1",
        "Shortcut": "Lối tắt",
        "Alias": "Bí danh",
        "Unknown": "Không rõ",
    },
    "QLineEdit": _EDIT_MENU,
    "QWidgetTextControl": {**_EDIT_MENU, "Copy &Link Location": "Sao chép địa chỉ &liên kết"},
    "QAbstractSpinBox": {"&Select All": "&Chọn tất cả", "&Step up": "&Tăng", "Step &down": "&Giảm"},
    "QScrollBar": {
        "Scroll here": "Cuộn tới đây",
        "Left edge": "Mép trái",
        "Top": "Đầu",
        "Right edge": "Mép phải",
        "Bottom": "Cuối",
        "Page left": "Trang trái",
        "Page up": "Trang trên",
        "Page right": "Trang phải",
        "Page down": "Trang dưới",
        "Scroll left": "Cuộn trái",
        "Scroll up": "Cuộn lên",
        "Scroll right": "Cuộn phải",
        "Scroll down": "Cuộn xuống",
    },
    "QShortcut": {"Ctrl": "Ctrl", "Alt": "Alt", "Shift": "Shift", "Meta": "Meta"},
}


class QtVietnamese(QTranslator):
    """Vietnamese for Qt's own dialogs and menus, looked up in ``TABLE``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    @override
    def translate(
        self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None, not "": Qt takes an empty string as the translation (a blank
        # button); None lets the next translator, or the source text, answer.
        return TABLE.get(context, {}).get(source_text)

    @override
    def isEmpty(self) -> bool:  # noqa: N802 (Qt name)
        return False

    @override
    def language(self) -> str:
        return "vi"
