<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About dxdesk</source>
        <translation>Giới thiệu dxdesk</translation>
    </message>
    <message>
        <source>dxdesk %1 — progress reports on assigned tasks, offline first</source>
        <translation>dxdesk %1 — báo cáo tiến độ nhiệm vụ được giao, làm việc cả khi mất mạng</translation>
    </message>
    <message>
        <source>Copy diagnostics</source>
        <translation>Sao chép thông tin chẩn đoán</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Đóng</translation>
    </message>
</context>
<context>
    <name>BundleExporter</name>
    <message>
        <source>Export reports to a USB stick</source>
        <translation>Xuất báo cáo ra USB</translation>
    </message>
    <message>
        <source>dxdesk bundles (*.dxbundle);;All files (*)</source>
        <translation>Gói dxdesk (*.dxbundle);;Tất cả các tệp (*)</translation>
    </message>
    <message>
        <source>No report is waiting to be sent; no file was written.</source>
        <translation>Không có báo cáo nào đang chờ gửi; chưa ghi tệp nào.</translation>
    </message>
    <message numerus="yes">
        <source>%n report(s) written to %1. They stay in the outbox, waiting, until the receipt is imported or a sync confirms them.</source>
        <translation>
            <numerusform>Đã ghi %n báo cáo vào %1. Các báo cáo vẫn nằm trong hộp thư đi, chờ đến khi nhập biên nhận hoặc lần đồng bộ sau xác nhận.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n more report(s) did not fit in this file: export again to another file.</source>
        <translation>
            <numerusform>Còn %n báo cáo không vừa tệp này: hãy xuất tiếp ra một tệp khác.</numerusform>
        </translation>
    </message>
    <message>
        <source>Export to USB stick</source>
        <translation>Xuất ra USB</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <source>Tasks by progress</source>
        <translation>Nhiệm vụ theo tiến độ</translation>
    </message>
    <message>
        <source>Overdue (%1)</source>
        <translation>Quá hạn (%1)</translation>
    </message>
    <message>
        <source>Due soon (%1)</source>
        <translation>Sắp đến hạn (%1)</translation>
    </message>
</context>
<context>
    <name>Days</name>
    <message numerus="yes">
        <source>%n day(s) overdue</source>
        <translation>
            <numerusform>quá %n ngày</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) left</source>
        <translation>
            <numerusform>còn %n ngày</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <source>Reading…</source>
        <translation>Đang đọc…</translation>
    </message>
    <message>
        <source>New report (Ctrl+N)</source>
        <translation>Báo cáo mới (Ctrl+N)</translation>
    </message>
    <message>
        <source>Continue draft</source>
        <translation>Tiếp tục bản nháp</translation>
    </message>
    <message>
        <source>Select a task in the list.</source>
        <translation>Chọn một nhiệm vụ trong danh sách.</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>Thời hạn</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Tiến độ</translation>
    </message>
    <message>
        <source>Assigning document</source>
        <translation>Văn bản giao</translation>
    </message>
    <message>
        <source>of %1</source>
        <translation>ngày %1</translation>
    </message>
    <message>
        <source>Expected output</source>
        <translation>Sản phẩm đầu ra</translation>
    </message>
    <message>
        <source>Indicators</source>
        <translation>Chỉ tiêu</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Các báo cáo</translation>
    </message>
    <message>
        <source>No reports yet.</source>
        <translation>Chưa có báo cáo nào.</translation>
    </message>
    <message>
        <source>Reviewer: %1</source>
        <translation>Người duyệt: %1</translation>
    </message>
    <message>
        <source>Rejected: %1</source>
        <translation>Bị từ chối: %1</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in to the tracking server</source>
        <translation>Đăng nhập hệ thống theo dõi</translation>
    </message>
    <message>
        <source>Logging in is only needed to send reports. You can keep working offline.</source>
        <translation>Chỉ cần đăng nhập để gửi báo cáo. Bạn vẫn làm việc được khi không có mạng.</translation>
    </message>
    <message>
        <source>&amp;Server</source>
        <translation>&amp;Máy chủ</translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation>&amp;Tên đăng nhập</translation>
    </message>
    <message>
        <source>Someone else? Use Switch user… in the main window.</source>
        <translation>Người khác? Hãy dùng «Đổi người dùng…» ở cửa sổ chính.</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>Mật &amp;khẩu</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Đăng nhập</translation>
    </message>
    <message>
        <source>Work offline</source>
        <translation>Làm việc không mạng</translation>
    </message>
    <message>
        <source>Enter the server, your user name and password.</source>
        <translation>Hãy nhập máy chủ, tên đăng nhập và mật khẩu.</translation>
    </message>
    <message>
        <source>Logging in…</source>
        <translation>Đang đăng nhập…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>dxdesk — task progress reports</source>
        <translation>dxdesk — báo cáo tiến độ nhiệm vụ</translation>
    </message>
    <message>
        <source>Tasks</source>
        <translation>Nhiệm vụ</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Tổng quan</translation>
    </message>
    <message>
        <source>Outbox</source>
        <translation>Hộp thư đi</translation>
    </message>
    <message>
        <source>Search code, title, document… (Ctrl+F)</source>
        <translation>Tìm mã, tên, văn bản… (Ctrl+F)</translation>
    </message>
    <message>
        <source>New report</source>
        <translation>Báo cáo mới</translation>
    </message>
    <message>
        <source>New report (Ctrl+N)</source>
        <translation>Báo cáo mới (Ctrl+N)</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Đồng bộ</translation>
    </message>
    <message>
        <source>Send and receive now (F5)</source>
        <translation>Gửi và nhận ngay (F5)</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Tìm kiếm</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Cài đặt</translation>
    </message>
    <message>
        <source>About</source>
        <translation>Giới thiệu</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Đăng nhập</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Khoá</translation>
    </message>
    <message>
        <source>Lock: close your data until your password (Ctrl+L)</source>
        <translation>Khoá: đóng dữ liệu của bạn cho đến khi nhập lại mật khẩu (Ctrl+L)</translation>
    </message>
    <message>
        <source>Switch user…</source>
        <translation>Đổi người dùng…</translation>
    </message>
    <message>
        <source>To USB…</source>
        <translation>Sang USB…</translation>
    </message>
    <message>
        <source>Write the reports waiting to be sent to a file (a USB stick), sealed for the server, for someone with a network to deliver</source>
        <translation>Ghi các báo cáo đang chờ gửi ra một tệp (trên USB), đã niêm phong cho máy chủ, để người có mạng chuyển giúp</translation>
    </message>
    <message>
        <source>Switch user or lock</source>
        <translation>Đổi người dùng hoặc khoá</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Đồng bộ ngay</translation>
    </message>
    <message>
        <source>Show drafts</source>
        <translation>Xem bản nháp</translation>
    </message>
    <message>
        <source>%1 waiting to send</source>
        <translation>%1 báo cáo chờ gửi</translation>
    </message>
    <message numerus="yes">
        <source>You have %n unfinished draft(s). They are saved; open them to continue.</source>
        <translation>
            <numerusform>Bạn có %n bản nháp chưa hoàn thành. Bản nháp đã được lưu; mở để viết tiếp.</numerusform>
        </translation>
    </message>
    <message>
        <source>Select a task first.</source>
        <translation>Hãy chọn một nhiệm vụ trước.</translation>
    </message>
    <message>
        <source>Report queued; it will be sent at the next sync.</source>
        <translation>Đã chốt báo cáo; sẽ gửi ở lần đồng bộ tới.</translation>
    </message>
    <message>
        <source>Not connected yet</source>
        <translation>Chưa kết nối</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Đang trực tuyến</translation>
    </message>
    <message>
        <source>Offline — reports are kept on this computer</source>
        <translation>Mất mạng — báo cáo được giữ trên máy này</translation>
    </message>
    <message>
        <source>This network needs sign-in in a browser</source>
        <translation>Mạng này cần đăng nhập trên trình duyệt</translation>
    </message>
    <message>
        <source>Log in needed to send</source>
        <translation>Cần đăng nhập để gửi</translation>
    </message>
    <message>
        <source>No server set up — working offline</source>
        <translation>Chưa cài đặt máy chủ — làm việc không mạng</translation>
    </message>
    <message>
        <source>Last sync %1</source>
        <translation>Đồng bộ lần cuối %1</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>Chưa đồng bộ lần nào</translation>
    </message>
</context>
<context>
    <name>OutboxModel</name>
    <message>
        <source>Task</source>
        <translation>Nhiệm vụ</translation>
    </message>
    <message>
        <source>Written</source>
        <translation>Ngày lập</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Tiến độ</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Tình trạng</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <source>Rejected: %1</source>
        <translation>Bị từ chối: %1</translation>
    </message>
    <message>
        <source>Reviewer: %1</source>
        <translation>Người duyệt: %1</translation>
    </message>
    <message>
        <source>(classified)</source>
        <translation>(mật)</translation>
    </message>
</context>
<context>
    <name>OutboxView</name>
    <message>
        <source>Show accepted</source>
        <translation>Hiện báo cáo đã nhận</translation>
    </message>
    <message>
        <source>Send now</source>
        <translation>Gửi ngay</translation>
    </message>
    <message>
        <source>Open / correct</source>
        <translation>Mở / sửa</translation>
    </message>
    <message>
        <source>Continue a draft, or write a correction of a rejected or returned report</source>
        <translation>Viết tiếp bản nháp, hoặc lập báo cáo sửa cho báo cáo bị từ chối hay bị trả lại</translation>
    </message>
    <message>
        <source>Waiting to send: %1 · Drafts: %2 · Need attention: %3</source>
        <translation>Chờ gửi: %1 · Bản nháp: %2 · Cần xử lý: %3</translation>
    </message>
</context>
<context>
    <name>ProgressChart</name>
    <message>
        <source>Not done</source>
        <translation>Chưa hoàn thành</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Đã hoàn thành</translation>
    </message>
</context>
<context>
    <name>QuickFilter</name>
    <message>
        <source>All</source>
        <translation>Tất cả</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>Quá hạn</translation>
    </message>
    <message>
        <source>Due soon</source>
        <translation>Sắp đến hạn</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>Đang thực hiện</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Đã hoàn thành</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>Bị trả lại</translation>
    </message>
</context>
<context>
    <name>RememberBox</name>
    <message>
        <source>Remember on this computer (do not ask for the password)</source>
        <translation>Ghi nhớ trên máy này (không hỏi mật khẩu)</translation>
    </message>
    <message>
        <source>Only on a computer nobody else uses: anyone who can open this computer could then read your reports.</source>
        <translation>Chỉ chọn trên máy tính không ai khác dùng: khi đó ai mở được máy này cũng đọc được báo cáo của bạn.</translation>
    </message>
    <message>
        <source>This computer has no secure keyring, so the password is asked every time.</source>
        <translation>Máy này không có kho khoá an toàn của hệ điều hành, nên lần nào cũng phải nhập mật khẩu.</translation>
    </message>
</context>
<context>
    <name>ReportEditor</name>
    <message>
        <source>Adding files…</source>
        <translation>Đang thêm tệp…</translation>
    </message>
    <message>
        <source>Removing the file…</source>
        <translation>Đang bỏ tệp…</translation>
    </message>
    <message>
        <source>Finalizing…</source>
        <translation>Đang chốt báo cáo…</translation>
    </message>
    <message>
        <source>Progress report</source>
        <translation>Báo cáo tiến độ</translation>
    </message>
    <message>
        <source>&amp;Progress</source>
        <translation>&amp;Tiến độ</translation>
    </message>
    <message>
        <source>&amp;Status</source>
        <translation>Trạn&amp;g thái</translation>
    </message>
    <message>
        <source>&amp;Results achieved</source>
        <translation>&amp;Kết quả đạt được</translation>
    </message>
    <message>
        <source>&amp;Difficulties</source>
        <translation>Khó khăn, &amp;vướng mắc</translation>
    </message>
    <message>
        <source>Pr&amp;oposals</source>
        <translation>Kiến &amp;nghị, đề xuất</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>Tệp đính kèm</translation>
    </message>
    <message>
        <source>C&amp;lassification</source>
        <translation>Độ &amp;mật</translation>
    </message>
    <message>
        <source>What was done since the last report</source>
        <translation>Những việc đã làm từ lần báo cáo trước</translation>
    </message>
    <message>
        <source>&amp;Add file…</source>
        <translation>Thêm tệ&amp;p…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Gỡ bỏ</translation>
    </message>
    <message>
        <source>Drop files here to attach them</source>
        <translation>Kéo thả tệp vào đây để đính kèm</translation>
    </message>
    <message>
        <source>&amp;Finalize and queue for sending</source>
        <translation>&amp;Chốt và xếp hàng gửi</translation>
    </message>
    <message>
        <source>Discard draft</source>
        <translation>Huỷ bản nháp</translation>
    </message>
    <message>
        <source>Close (keep draft)</source>
        <translation>Đóng (giữ bản nháp)</translation>
    </message>
    <message>
        <source>Not saved yet</source>
        <translation>Chưa lưu</translation>
    </message>
    <message>
        <source>Saved at %1</source>
        <translation>Đã lưu lúc %1</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>Đính kèm tệp</translation>
    </message>
    <message>
        <source>Documents and images (%1)</source>
        <translation>Văn bản và hình ảnh (%1)</translation>
    </message>
    <message>
        <source>Finalize this report and queue it for sending? A finalized report cannot be changed; a later correction is a new report.</source>
        <translation>Chốt báo cáo này và xếp hàng gửi? Báo cáo đã chốt không sửa được nữa; muốn điều chỉnh thì lập báo cáo mới.</translation>
    </message>
    <message>
        <source>Please check:</source>
        <translation>Hãy xem lại:</translation>
    </message>
    <message>
        <source>&amp;Finalize</source>
        <translation>&amp;Chốt và gửi</translation>
    </message>
    <message>
        <source>&amp;Back to the report</source>
        <translation>&amp;Quay lại báo cáo</translation>
    </message>
    <message>
        <source>Task: %1</source>
        <translation>Nhiệm vụ: %1</translation>
    </message>
    <message>
        <source>Progress: %1</source>
        <translation>Tiến độ: %1</translation>
    </message>
    <message>
        <source>Status: %1</source>
        <translation>Trạng thái: %1</translation>
    </message>
    <message>
        <source>(target %1)</source>
        <translation>(mục tiêu %1)</translation>
    </message>
    <message>
        <source>Attachments: %1</source>
        <translation>Tệp đính kèm: %1</translation>
    </message>
    <message>
        <source>Classification: %1</source>
        <translation>Độ mật: %1</translation>
    </message>
    <message>
        <source>Delete this draft? What you wrote in it cannot be recovered.</source>
        <translation>Xoá bản nháp này? Những gì đã viết trong đó sẽ không khôi phục được.</translation>
    </message>
    <message>
        <source>&amp;Delete the draft</source>
        <translation>&amp;Xoá bản nháp</translation>
    </message>
    <message>
        <source>&amp;Keep the draft</source>
        <translation>&amp;Giữ bản nháp</translation>
    </message>
    <message>
        <source>Finalize and queue for sending</source>
        <translation>Chốt và xếp hàng gửi</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Cài đặt</translation>
    </message>
    <message>
        <source>Empty: your reports carry the name the server knows, %1.</source>
        <translation>Để trống: báo cáo của bạn ghi họ tên máy chủ đã biết, %1.</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Địa chỉ máy chủ</translation>
    </message>
    <message>
        <source>Site CA certificate</source>
        <translation>Chứng thư CA của đơn vị</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Ngôn ngữ</translation>
    </message>
    <message>
        <source>Your name on reports</source>
        <translation>Họ tên ghi trên báo cáo</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Chọn…</translation>
    </message>
    <message>
        <source>Send reports automatically when a network appears</source>
        <translation>Tự động gửi báo cáo khi có mạng</translation>
    </message>
    <message>
        <source>…but not over mobile data (where this computer can tell)</source>
        <translation>…nhưng không dùng dữ liệu di động (nếu máy nhận biết được)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Lưu</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Huỷ</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt)</source>
        <translation>Chứng thư (*.pem *.crt)</translation>
    </message>
</context>
<context>
    <name>SignInForm</name>
    <message>
        <source>Log in once while online. After that your data opens on this computer with your password, even without a network.</source>
        <translation>Đăng nhập một lần khi có mạng. Sau đó dữ liệu của bạn mở trên máy này bằng mật khẩu, kể cả khi không có mạng.</translation>
    </message>
    <message>
        <source>&amp;Server</source>
        <translation>&amp;Máy chủ</translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation>&amp;Tên đăng nhập</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>Mật &amp;khẩu</translation>
    </message>
    <message>
        <source>Pre&amp;vious password</source>
        <translation>Mật khẩu &amp;cũ</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Quay lại</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Đăng nhập</translation>
    </message>
    <message>
        <source>Enter the server, your user name and password.</source>
        <translation>Hãy nhập máy chủ, tên đăng nhập và mật khẩu.</translation>
    </message>
    <message>
        <source>Logging in…</source>
        <translation>Đang đăng nhập…</translation>
    </message>
</context>
<context>
    <name>TaskTableModel</name>
    <message>
        <source>Accepted by the server: %1%</source>
        <translation>Máy chủ đã ghi nhận: %1%</translation>
    </message>
    <message>
        <source>Not sent yet (%1): %2%</source>
        <translation>Chưa gửi (%1): %2%</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Mã</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>Nhiệm vụ</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>Thời hạn</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>Số ngày</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Tiến độ</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
</context>
<context>
    <name>UnlockScreen</name>
    <message>
        <source>dxdesk — Unlock</source>
        <translation>dxdesk — Mở khoá</translation>
    </message>
    <message>
        <source>Task progress reports</source>
        <translation>Báo cáo tiến độ nhiệm vụ</translation>
    </message>
    <message>
        <source>&amp;Users on this computer</source>
        <translation>&amp;Người dùng trên máy này</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>Mật &amp;khẩu</translation>
    </message>
    <message>
        <source>This user&apos;s data opens without a password on this computer.</source>
        <translation>Dữ liệu của người dùng này mở không cần mật khẩu trên máy này.</translation>
    </message>
    <message>
        <source>Stop remembering</source>
        <translation>Thôi ghi nhớ</translation>
    </message>
    <message>
        <source>Another user / log in</source>
        <translation>Người dùng khác / đăng nhập</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Mở khoá</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>Hãy nhập mật khẩu.</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>Đang mở khoá…</translation>
    </message>
    <message>
        <source>The remembered key is gone; enter your password.</source>
        <translation>Khoá đã ghi nhớ không còn nữa; hãy nhập mật khẩu.</translation>
    </message>
    <message>
        <source>Password changed on the server? Log in once with “Another user / log in”.</source>
        <translation>Đã đổi mật khẩu trên máy chủ? Hãy đăng nhập một lần bằng «Người dùng khác / đăng nhập».</translation>
    </message>
</context>
<context>
    <name>UpdateButton</name>
    <message>
        <source>Install update %1</source>
        <translation>Cài bản mới %1</translation>
    </message>
    <message>
        <source>Update dxdesk</source>
        <translation>Cập nhật dxdesk</translation>
    </message>
    <message>
        <source>Install dxdesk %1 now? Your draft is saved first; nothing you typed is lost.</source>
        <translation>Cài dxdesk %1 ngay bây giờ? Bản nháp được lưu trước; không mất gì bạn đã nhập.</translation>
    </message>
    <message>
        <source>dxdesk %1 is installed. Close dxdesk and start it again to use it.</source>
        <translation>Đã cài dxdesk %1. Hãy đóng dxdesk và mở lại để dùng bản mới.</translation>
    </message>
    <message>
        <source>Restart for %1</source>
        <translation>Khởi động lại (%1)</translation>
    </message>
    <message>
        <source>dxdesk %1 is installed. Restart dxdesk to use it; your draft is saved first.</source>
        <translation>Đã cài dxdesk %1. Hãy khởi động lại dxdesk để dùng bản mới; bản nháp được lưu trước.</translation>
    </message>
    <message>
        <source>Update %1: not downloaded</source>
        <translation>Bản mới %1: chưa tải</translation>
    </message>
    <message>
        <source>dxdesk %1 is available. It downloads in the background when you sync (on mobile data only if Settings allow it).</source>
        <translation>Đã có dxdesk %1. Bản này được tải ngầm khi đồng bộ (qua dữ liệu di động chỉ khi Cài đặt cho phép).</translation>
    </message>
    <message>
        <source>Downloading %1: %2%</source>
        <translation>Đang tải %1: %2%</translation>
    </message>
    <message>
        <source>dxdesk %1 is being downloaded in the background; each sync continues where the last one stopped.</source>
        <translation>Đang tải ngầm dxdesk %1; mỗi lần đồng bộ tải tiếp từ chỗ lần trước dừng.</translation>
    </message>
    <message>
        <source>Update %1 failed</source>
        <translation>Bản %1 lỗi khởi động</translation>
    </message>
    <message>
        <source>dxdesk %1 was installed but did not start, so the version you use came back. No data was touched, and this version is not downloaded again.</source>
        <translation>dxdesk %1 đã được cài nhưng không khởi động được, nên phiên bản đang dùng đã được dùng lại. Dữ liệu không bị ảnh hưởng, và bản này sẽ không được tải lại.</translation>
    </message>
    <message>
        <source>dxdesk %1 is downloaded and verified. Install it now; your draft is saved first.</source>
        <translation>Đã tải và kiểm tra xong dxdesk %1. Hãy cài ngay; bản nháp được lưu trước.</translation>
    </message>
    <message>
        <source>dxdesk %1 is installed. Restart now to use it? Your draft is saved first.</source>
        <translation>Đã cài dxdesk %1. Khởi động lại ngay để dùng bản mới? Bản nháp được lưu trước.</translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation>Khởi động lại ngay</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>Để sau</translation>
    </message>
    <message>
        <source>A sync is running: restart when it ends.</source>
        <translation>Đang đồng bộ: hãy khởi động lại khi đồng bộ xong.</translation>
    </message>
</context>
<context>
    <name>crash</name>
    <message>
        <source>Something went wrong. Your drafts are saved; you can keep working.</source>
        <translation>Đã xảy ra lỗi. Bản nháp của bạn đã được lưu; bạn có thể tiếp tục làm việc.</translation>
    </message>
    <message>
        <source>Details are in the log file: %1</source>
        <translation>Chi tiết trong tệp nhật ký: %1</translation>
    </message>
    <message>
        <source>Unexpected error</source>
        <translation>Lỗi không mong đợi</translation>
    </message>
    <message>
        <source>dxdesk closed unexpectedly last time. Drafts are saved as you type; open them from the list of drafts to check the last words.</source>
        <translation>Lần trước dxdesk đã đóng bất thường. Bản nháp được lưu trong khi bạn gõ; hãy mở bản nháp trong danh sách để kiểm tra những chữ cuối cùng.</translation>
    </message>
    <message>
        <source>dxdesk closed unexpectedly</source>
        <translation>dxdesk đã đóng bất thường</translation>
    </message>
</context>
<context>
    <name>failures</name>
    <message>
        <source>Unexpected error; details are in the log.</source>
        <translation>Lỗi không mong đợi; chi tiết trong nhật ký.</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>Not done – on time</source>
        <translation>Chưa hoàn thành – trong hạn</translation>
    </message>
    <message>
        <source>Not done – overdue</source>
        <translation>Chưa hoàn thành – quá hạn</translation>
    </message>
    <message>
        <source>Done – on time</source>
        <translation>Đã hoàn thành – đúng hạn</translation>
    </message>
    <message>
        <source>Done – late</source>
        <translation>Đã hoàn thành – quá hạn</translation>
    </message>
    <message>
        <source>Due soon</source>
        <translation>Sắp đến hạn</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Bản nháp</translation>
    </message>
    <message>
        <source>Waiting to send</source>
        <translation>Chờ gửi</translation>
    </message>
    <message>
        <source>Sending</source>
        <translation>Đang gửi</translation>
    </message>
    <message>
        <source>Received by server</source>
        <translation>Máy chủ đã nhận</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>Bị từ chối</translation>
    </message>
    <message>
        <source>Returned for revision</source>
        <translation>Bị trả lại để sửa</translation>
    </message>
    <message>
        <source>On a USB stick, awaiting receipt</source>
        <translation>Đã ở USB, chờ biên nhận</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>Đang thực hiện</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Đã hoàn thành</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Thường</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>Mật</translation>
    </message>
</context>
</TS>
