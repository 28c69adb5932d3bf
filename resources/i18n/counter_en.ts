<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="vi">
<context>
    <name>AccountForm</name>
    <message>
        <source>chữ không dấu, số, . _ - (ví dụ: mai.tt)</source>
        <translation>plain letters, digits, . _ - (for example: mai.tt)</translation>
    </message>
    <message>
        <source>Họ và tên in trên giấy tiếp nhận</source>
        <translation>Full name printed on the receipt slip</translation>
    </message>
    <message>
        <source>Tên đăng nhập:</source>
        <translation>Username:</translation>
    </message>
    <message>
        <source>Họ và tên:</source>
        <translation>Full name:</translation>
    </message>
    <message>
        <source>Vai trò:</source>
        <translation>Role:</translation>
    </message>
    <message>
        <source>Mật khẩu:</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Nhập lại mật khẩu:</source>
        <translation>Repeat the password:</translation>
    </message>
    <message>
        <source>Hai lần nhập mật khẩu không khớp.</source>
        <translation>The two passwords do not match.</translation>
    </message>
</context>
<context>
    <name>AccountsDialog</name>
    <message>
        <source>Tài khoản người tiếp nhận</source>
        <translation>Clerk accounts</translation>
    </message>
    <message>
        <source>Tên đăng nhập</source>
        <translation>Username</translation>
    </message>
    <message>
        <source>Họ và tên</source>
        <translation>Full name</translation>
    </message>
    <message>
        <source>Vai trò</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Tình trạng</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Thêm tài khoản…</source>
        <translation>Add an account…</translation>
    </message>
    <message>
        <source>Đặt lại mật khẩu…</source>
        <translation>Reset the password…</translation>
    </message>
    <message>
        <source>Vô hiệu hóa</source>
        <translation>Disable</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>Đã vô hiệu hóa</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>Đang dùng</source>
        <translation>In use</translation>
    </message>
    <message>
        <source>Đang lưu…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Thêm tài khoản</source>
        <translation>Add an account</translation>
    </message>
    <message>
        <source>Thêm</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>Hủy</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Đã thêm tài khoản {username} ({full_name}).</source>
        <translation>Account {username} ({full_name}) added.</translation>
    </message>
    <message>
        <source>Hãy chọn một tài khoản trong bảng.</source>
        <translation>Choose an account in the table.</translation>
    </message>
    <message>
        <source>Đặt lại mật khẩu</source>
        <translation>Reset the password</translation>
    </message>
    <message>
        <source>Mật khẩu mới cho {username}:</source>
        <translation>New password for {username}:</translation>
    </message>
    <message>
        <source>Đã đặt mật khẩu mới cho {username}.</source>
        <translation>New password set for {username}.</translation>
    </message>
    <message>
        <source>Vô hiệu hóa tài khoản</source>
        <translation>Disable the account</translation>
    </message>
    <message>
        <source>Vô hiệu hóa tài khoản {username} ở mọi quầy của đơn vị? Không hoàn tác được.</source>
        <translation>Disable account {username} at every desk of the office? This cannot be undone.</translation>
    </message>
    <message>
        <source>Đã vô hiệu hóa tài khoản {username}.</source>
        <translation>Account {username} disabled.</translation>
    </message>
</context>
<context>
    <name>ApologyDialog</name>
    <message>
        <source>Xin lỗi và hẹn lại ngày trả kết quả</source>
        <translation>Apology and a new return date</translation>
    </message>
    <message>
        <source>Lý do trả chậm (bắt buộc):</source>
        <translation>Reason for the delay (required):</translation>
    </message>
    <message>
        <source>Hẹn trả mới:</source>
        <translation>New return date:</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Quầy một cửa</source>
        <translation>One-stop counter</translation>
    </message>
    <message>
        <source>Đăng nhập quầy</source>
        <translation>Sign in to the counter</translation>
    </message>
</context>
<context>
    <name>AssistDialog</name>
    <message>
        <source>Hỗ trợ nộp hồ sơ trực tuyến</source>
        <translation>Help with an online application</translation>
    </message>
    <message>
        <source>Ví dụ 000.31.48.H15-261130-0042</source>
        <translation>For example 000.31.48.H15-261130-0042</translation>
    </message>
    <message>
        <source>Bắt buộc khi không nộp được: ghi lý do</source>
        <translation>Required when the application could not be made: write the reason</translation>
    </message>
    <message>
        <source>Số &amp;CCCD (không bắt buộc):</source>
        <translation>&amp;ID card number (optional):</translation>
    </message>
    <message>
        <source>Số đ&amp;iện thoại (không bắt buộc):</source>
        <translation>&amp;Phone number (optional):</translation>
    </message>
    <message>
        <source>&amp;Thủ tục hành chính:</source>
        <translation>Administrative p&amp;rocedure:</translation>
    </message>
    <message>
        <source>Lưu (Ctrl+S)</source>
        <translation>Save (Ctrl+S)</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
</context>
<context>
    <name>BackupActions</name>
    <message>
        <source>Sao lưu hằng ngày</source>
        <translation>Daily backup</translation>
    </message>
    <message>
        <source>Chỉ giám sát viên đã đăng nhập mới sao lưu ngay được.</source>
        <translation>Only a signed-in supervisor can back up now.</translation>
    </message>
    <message>
        <source>Đang sao lưu dữ liệu của quầy…</source>
        <translation>Backing up the counter&apos;s data…</translation>
    </message>
    <message>
        <source>Đã sao lưu vào «{path}».</source>
        <translation>Backed up to «{path}».</translation>
    </message>
    <message>
        <source>Chưa sao lưu được.</source>
        <translation>Not backed up.</translation>
    </message>
    <message>
        <source>Sao lưu gặp lỗi không mong đợi.</source>
        <translation>The backup failed unexpectedly.</translation>
    </message>
    <message>
        <source>{message} Dữ liệu của quầy không bị ảnh hưởng.</source>
        <translation>{message} The counter&apos;s data is not affected.</translation>
    </message>
</context>
<context>
    <name>CancelReceiptDialog</name>
    <message>
        <source>Hủy biên lai {number}</source>
        <translation>Cancel receipt {number}</translation>
    </message>
    <message>
        <source>Hủy biên lai số &lt;b&gt;{number}&lt;/b&gt; của hồ sơ {dossier_code}, {amount_text}. Số biên lai vẫn ở trong quyển, ghi «Đã hủy»; hồ sơ sẽ phải nộp lại và được lập biên lai mới. Cần giám sát viên ký xác nhận.</source>
        <translation>Cancel receipt no. &lt;b&gt;{number}&lt;/b&gt; of dossier {dossier_code}, {amount_text}. The receipt number stays in the book, marked «Cancelled»; the dossier must be paid again and a new receipt issued. A supervisor must confirm.</translation>
    </message>
    <message>
        <source>Vì sao hủy: ghi sai số tiền, sai người nộp…</source>
        <translation>Why it is cancelled: wrong amount, wrong payer…</translation>
    </message>
    <message>
        <source>&amp;Lý do hủy:</source>
        <translation>&amp;Reason for cancelling:</translation>
    </message>
    <message>
        <source>&amp;Giám sát viên (tên đăng nhập):</source>
        <translation>&amp;Supervisor (username):</translation>
    </message>
    <message>
        <source>&amp;Mật khẩu giám sát viên:</source>
        <translation>Supervisor &amp;password:</translation>
    </message>
    <message>
        <source>Hủy biên lai (Ctrl+Enter)</source>
        <translation>Cancel the receipt (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Đóng, không hủy (Esc)</source>
        <translation>Close, do not cancel (Esc)</translation>
    </message>
</context>
<context>
    <name>CommunePicker</name>
    <message>
        <source>Gõ tên xã/phường (không cần dấu), ví dụ: hai chau; để trống nếu ghi ở ô Địa chỉ</source>
        <translation>Type the commune/ward name (accents optional), for example: hai chau; leave empty if written in the Address field</translation>
    </message>
    <message>
        <source>chưa được chọn trong danh sách gợi ý</source>
        <translation>was not chosen from the suggestions</translation>
    </message>
    <message>
        <source>không có trong danh mục xã/phường từ 01/7/2025</source>
        <translation>is not in the list of communes/wards from 01/7/2025</translation>
    </message>
    <message>
        <source>{ward}: «{text}» {why}. Gõ tên rồi chọn trong danh sách (↓, Enter), hoặc xóa trống ô này để ghi cả địa chỉ ở ô Địa chỉ.</source>
        <translation>{ward}: «{text}» {why}. Type the name and choose from the list (↓, Enter), or empty this field to write the whole address in the Address field.</translation>
    </message>
    <message>
        <source>Không có xã/phường nào khớp (danh mục từ 01/7/2025); hãy gõ ít chữ hơn.</source>
        <translation>No commune/ward matches (list from 01/7/2025); type fewer letters.</translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <source>Xung đột đồng bộ</source>
        <translation>Sync conflicts</translation>
    </message>
    <message>
        <source>Những thay đổi máy chủ tỉnh không áp dụng được vì đè lên một thay đổi khác. Chọn một xung đột, so hai bản, ghi lý do rồi quyết định. Quyết định được ghi ở máy chủ tỉnh và trong nhật ký thao tác của quầy.</source>
        <translation>Changes the provincial server could not apply because they would overwrite another change. Pick a conflict, compare both versions, write the reason, then decide. The decision is recorded on the provincial server and in the counter&apos;s audit trail.</translation>
    </message>
    <message>
        <source>Số</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Loại xung đột</source>
        <translation>Kind of conflict</translation>
    </message>
    <message>
        <source>Mã hồ sơ</source>
        <translation>Dossier code</translation>
    </message>
    <message>
        <source>Thời điểm</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Lý do của quyết định (bắt buộc)</source>
        <translation>Reason for the decision (required)</translation>
    </message>
    <message>
        <source>Máy chủ tỉnh kiểm tra mật khẩu trước khi ghi quyết định</source>
        <translation>The provincial server checks the password before recording the decision</translation>
    </message>
    <message>
        <source>Giữ bản của máy chủ tỉnh (Ctrl+1)</source>
        <translation>Keep the province&apos;s version (Ctrl+1)</translation>
    </message>
    <message>
        <source>Giữ bản của quầy (Ctrl+2)</source>
        <translation>Keep the counter&apos;s version (Ctrl+2)</translation>
    </message>
    <message>
        <source>Gộp: lấy các trường đã đánh dấu từ bản của quầy (Ctrl+3)</source>
        <translation>Merge: take the ticked fields from the counter&apos;s version (Ctrl+3)</translation>
    </message>
    <message>
        <source>Từ chối bản của quầy (Ctrl+4)</source>
        <translation>Reject the counter&apos;s version (Ctrl+4)</translation>
    </message>
    <message>
        <source>Tải lại (Ctrl+R)</source>
        <translation>Reload (Ctrl+R)</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>Bản của máy chủ tỉnh:</source>
        <translation>Province&apos;s version:</translation>
    </message>
    <message>
        <source>Bản của quầy:</source>
        <translation>Counter&apos;s version:</translation>
    </message>
    <message>
        <source>&amp;Lý do (bắt buộc):</source>
        <translation>&amp;Reason (required):</translation>
    </message>
    <message>
        <source>Trường lấy từ bản của quầy khi gộp (đánh dấu bằng phím cách):</source>
        <translation>Fields taken from the counter&apos;s version when merging (tick with the space bar):</translation>
    </message>
    <message>
        <source>&amp;Mật khẩu của giám sát viên (nhập lại để xác nhận):</source>
        <translation>Supervisor&apos;s &amp;password (type it again to confirm):</translation>
    </message>
    <message>
        <source>Đang tải danh sách xung đột từ máy chủ tỉnh…</source>
        <translation>Loading the conflicts from the provincial server…</translation>
    </message>
    <message>
        <source>Có {count} xung đột chờ quyết định.</source>
        <translation>{count} conflict(s) waiting for a decision.</translation>
    </message>
    <message>
        <source>Không còn xung đột nào chờ quyết định.</source>
        <translation>No conflict is waiting for a decision.</translation>
    </message>
    <message>
        <source>Hai công dân khác nhau: giữ bản của máy chủ tỉnh (Ctrl+1); quầy đã cấp trùng mã sẽ cấp mã mới cho hồ sơ của mình ({keys} trong hồ sơ) và in giấy tiếp nhận mới. Cùng một hồ sơ: giữ bản của quầy (Ctrl+2) hoặc gộp (Ctrl+3); hồ sơ của quầy nhận mã định danh của máy chủ tỉnh và các bước bị từ chối trong lúc chờ được gửi lại.</source>
        <translation>Two different citizens: keep the provincial server&apos;s version (Ctrl+1); the desk that gave the code twice gives its dossier a new code ({keys} in the dossier) and prints a new receipt slip. One and the same dossier: keep the desk&apos;s version (Ctrl+2) or merge (Ctrl+3); the desk&apos;s dossier takes the provincial server&apos;s identifier and the steps refused while waiting are sent again.</translation>
    </message>
    <message>
        <source>Xung đột loại này không giải quyết được bằng cách «{label}».</source>
        <translation>This kind of conflict cannot be resolved with «{label}».</translation>
    </message>
    <message>
        <source>Hãy ghi lý do của quyết định (bắt buộc) rồi chọn lại.</source>
        <translation>Write the reason for the decision (required), then choose again.</translation>
    </message>
    <message>
        <source>Hãy nhập lại mật khẩu của giám sát viên để xác nhận quyết định rồi chọn lại.</source>
        <translation>Type the supervisor&apos;s password again to confirm the decision, then choose again.</translation>
    </message>
    <message>
        <source>Hãy đánh dấu ít nhất một trường lấy từ bản của quầy để gộp.</source>
        <translation>Tick at least one field to take from the counter&apos;s version to merge.</translation>
    </message>
    <message>
        <source>Đang gửi quyết định về xung đột số {number} lên máy chủ tỉnh…</source>
        <translation>Sending the decision on conflict {number} to the provincial server…</translation>
    </message>
    <message>
        <source>Đã ghi quyết định «{label}» cho xung đột số {number} ở máy chủ tỉnh và trong nhật ký của quầy.</source>
        <translation>Decision «{label}» on conflict {number} recorded on the provincial server and in the counter&apos;s audit trail.</translation>
    </message>
</context>
<context>
    <name>DayCloseDialog</name>
    <message>
        <source>Khóa sổ cuối ngày {office_date}</source>
        <translation>End-of-day close {office_date}</translation>
    </message>
    <message>
        <source>Ngày {office_date}: {issued} biên lai ({cancelled} đã hủy không tính); tiền mặt theo biên lai &lt;b&gt;{format_vnd} đồng&lt;/b&gt;, chuyển khoản {format_vnd2} đồng.</source>
        <translation>Day {office_date}: {issued} receipts ({cancelled} cancelled, not counted); cash by the receipts &lt;b&gt;{format_vnd} dong&lt;/b&gt;, transfers {format_vnd2} dong.</translation>
    </message>
    <message>
        <source> tờ/xu</source>
        <translation> notes/coins</translation>
    </message>
    <message>
        <source>{format_vnd} đồng:</source>
        <translation>{format_vnd} dong:</translation>
    </message>
    <message>
        <source>Bắt buộc khi có chênh lệch: vì sao thừa hoặc thiếu</source>
        <translation>Required when there is a difference: why there is too much or too little</translation>
    </message>
    <message>
        <source>Tiền mặt đếm được:</source>
        <translation>Cash counted:</translation>
    </message>
    <message>
        <source>Chênh lệch:</source>
        <translation>Difference:</translation>
    </message>
    <message>
        <source>&amp;Giải trình chênh lệch:</source>
        <translation>&amp;Explain the difference:</translation>
    </message>
    <message>
        <source>Giám sát viên &amp;ký xác nhận (tên đăng nhập):</source>
        <translation>Supervisor &amp;confirming (username):</translation>
    </message>
    <message>
        <source>&amp;Mật khẩu giám sát viên:</source>
        <translation>Supervisor &amp;password:</translation>
    </message>
    <message>
        <source>Khóa sổ (Ctrl+Enter)</source>
        <translation>Close the day (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>{amount} đồng</source>
        <translation>{amount} dong</translation>
    </message>
    <message>
        <source>thừa {amount} đồng: cần giải trình và giám sát viên ký xác nhận</source>
        <translation>{amount} dong too much: explain it and have a supervisor confirm</translation>
    </message>
    <message>
        <source>thiếu {amount} đồng: cần giải trình và giám sát viên ký xác nhận</source>
        <translation>{amount} dong short: explain it and have a supervisor confirm</translation>
    </message>
    <message>
        <source>khớp với biên lai</source>
        <translation>matches the receipts</translation>
    </message>
    <message>
        <source>Ngày {office_date} đã khóa sổ ({clerk}, đếm được {format_vnd} đồng); mỗi ngày chỉ khóa sổ một lần.</source>
        <translation>Day {office_date} is already closed ({clerk}, counted {format_vnd} dong); a day is closed only once.</translation>
    </message>
</context>
<context>
    <name>DossierDialog</name>
    <message>
        <source>Hồ sơ {code}</source>
        <translation>Dossier {code}</translation>
    </message>
    <message>
        <source>Trích yếu</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source>Chủ hồ sơ</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <source>Người nộp</source>
        <translation>Submitted by</translation>
    </message>
    <message>
        <source>Giấy tờ tùy thân</source>
        <translation>ID document</translation>
    </message>
    <message>
        <source>Điện thoại</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Hình thức nộp</source>
        <translation>How submitted</translation>
    </message>
    <message>
        <source>Nhận kết quả</source>
        <translation>Result delivery</translation>
    </message>
    <message>
        <source>Tiếp nhận</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Hẹn trả</source>
        <translation>Return date</translation>
    </message>
    <message>
        <source>&lt;b&gt;Thành phần hồ sơ&lt;/b&gt;</source>
        <translation>&lt;b&gt;Papers of the dossier&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Số hóa giấy tờ&lt;/b&gt;</source>
        <translation>&lt;b&gt;Scanned papers&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Quá trình xử lý&lt;/b&gt;</source>
        <translation>&lt;b&gt;Processing history&lt;/b&gt;</translation>
    </message>
    <message>
        <source>In lại giấy tiếp nhận (Ctrl+P)</source>
        <translation>Reprint the receipt slip (Ctrl+P)</translation>
    </message>
    <message>
        <source>Trả kết quả (Ctrl+R)</source>
        <translation>Return the result (Ctrl+R)</translation>
    </message>
    <message>
        <source>Cấp mã mới ({keys})</source>
        <translation>New code ({keys})</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>{code} (cấp mã mới lúc {at}, {clerk})</source>
        <translation>{code} (new code given at {at}, {clerk})</translation>
    </message>
    <message>
        <source>Mã cũ: {codes}</source>
        <translation>Earlier codes: {codes}</translation>
    </message>
    <message>
        <source>Cần cấp mã mới: {reason}</source>
        <translation>Needs a new code: {reason}</translation>
    </message>
    <message>
        <source>Hồ sơ {code} — {full_name}</source>
        <translation>Dossier {code} — {full_name}</translation>
    </message>
    <message>
        <source>Trạng thái: {label}</source>
        <translation>Status: {label}</translation>
    </message>
    <message>
        <source>Chủ hồ sơ tự nộp</source>
        <translation>Submitted by the applicant</translation>
    </message>
    <message>
        <source> (trước đó {column_datetime})</source>
        <translation> (before: {column_datetime})</translation>
    </message>
    <message>
        <source>Cấp mã mới cho hồ sơ</source>
        <translation>Give the dossier a new code</translation>
    </message>
    <message>
        <source>Cấp mã mới cho hồ sơ {code} của {name}? Máy chủ tỉnh giữ hồ sơ của công dân khác dưới mã này. Hồ sơ của quầy sẽ mang mã mới cùng ngày tiếp nhận và được gửi lại lên máy chủ tỉnh cùng các bước đã làm. Sau đó hãy in giấy tiếp nhận mới và thu lại giấy cũ của công dân.</source>
        <translation>Give dossier {code} of {name} a new code? The provincial server keeps another citizen&apos;s dossier under this code. The desk&apos;s dossier will take a new code of the same receipt day and be sent to the provincial server again with the steps already taken. Then print the new receipt slip and take back the citizen&apos;s old one.</translation>
    </message>
    <message>
        <source>&amp;Cấp mã mới (Alt+C)</source>
        <translation>Give a new &amp;code (Alt+C)</translation>
    </message>
    <message>
        <source>Không (Esc)</source>
        <translation>No (Esc)</translation>
    </message>
</context>
<context>
    <name>DossierForm</name>
    <message>
        <source>Hồ sơ</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <source>{documents} (gõ số bản hoặc + −; ↑ ↓ ← → để di chuyển):</source>
        <translation>{documents} (type the number of copies or + −; ↑ ↓ ← → to move):</translation>
    </message>
    <message>
        <source>hồ sơ nộp trực tuyến: mã Cổng đã cấp, ví dụ 000.31.48.H15-261130-0042</source>
        <translation>online dossier: the code the portal gave, for example 000.31.48.H15-261130-0042</translation>
    </message>
    <message>
        <source>Tại quầy (Bộ phận Một cửa)</source>
        <translation>At the desk (one-stop office)</translation>
    </message>
    <message>
        <source>Qua dịch vụ bưu chính công ích (BCCI)</source>
        <translation>By public postal service (BCCI)</translation>
    </message>
    <message>
        <source>mặc định là tên thủ tục</source>
        <translation>the procedure&apos;s name by default</translation>
    </message>
</context>
<context>
    <name>DossierLineTable</name>
    <message>
        <source>Yêu cầu bổ sung giấy tờ</source>
        <translation>Request missing papers</translation>
    </message>
</context>
<context>
    <name>EnrollDialog</name>
    <message>
        <source>Đăng ký quầy với máy chủ tỉnh</source>
        <translation>Enrol the desk with the province server</translation>
    </message>
    <message>
        <source>Ví dụ: https://dongbo.buudien-tinh.vn</source>
        <translation>For example: https://dongbo.buudien-tinh.vn</translation>
    </message>
    <message>
        <source>Mã một lần do giám sát viên cấp</source>
        <translation>One-time code given by the supervisor</translation>
    </message>
    <message>
        <source>Địa chỉ &amp;máy chủ:</source>
        <translation>Server &amp;address:</translation>
    </message>
    <message>
        <source>Mã đăng &amp;ký:</source>
        <translation>Enrolment &amp;code:</translation>
    </message>
    <message>
        <source>Cho phép http:// không mã hoá (chỉ trong mạng nội bộ tin cậy)</source>
        <translation>Allow unencrypted http:// (only inside a trusted local network)</translation>
    </message>
    <message>
        <source>Đăng ký (Enter)</source>
        <translation>Enrol (Enter)</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>Nhập địa chỉ máy chủ tỉnh và mã đăng ký một lần do giám sát viên cấp cho quầy này.</source>
        <translation>Enter the province server&apos;s address and the one-time enrolment code the supervisor gave for this desk.</translation>
    </message>
    <message>
        <source>Hãy nhập địa chỉ máy chủ tỉnh.</source>
        <translation>Enter the province server&apos;s address.</translation>
    </message>
    <message>
        <source>Hãy nhập mã đăng ký do giám sát viên cấp.</source>
        <translation>Enter the enrolment code the supervisor gave.</translation>
    </message>
    <message>
        <source>Đã đăng ký: {unit_name} ({unit_code}), quầy số {desk_slot}. Quầy sẽ bắt đầu đồng bộ ngay.</source>
        <translation>Enrolled: {unit_name} ({unit_code}), desk {desk_slot}. The desk starts syncing now.</translation>
    </message>
    <message>
        <source> Lưu ý: máy chủ tỉnh cấp số quầy {desk_slot}; hồ sơ mới sẽ mang số quầy này.</source>
        <translation> Note: the province server gave desk number {desk_slot}; new dossiers will carry this desk number.</translation>
    </message>
</context>
<context>
    <name>FeeDesk</name>
    <message>
        <source>Hồ sơ {code} không còn khoản phí, lệ phí nào phải nộp.</source>
        <translation>Dossier {code} has no fees or charges left to pay.</translation>
    </message>
</context>
<context>
    <name>FeePanel</name>
    <message>
        <source>Phí, lệ phí</source>
        <translation>Fees and charges</translation>
    </message>
    <message>
        <source>Miễn, giảm phí, lệ phí</source>
        <translation>Fee and charge exemption or reduction</translation>
    </message>
    <message>
        <source>&amp;Miễn, giảm</source>
        <translation>&amp;Exemption, reduction</translation>
    </message>
    <message>
        <source>Miễn</source>
        <translation>Exempt</translation>
    </message>
    <message>
        <source>Giảm {percent}%</source>
        <translation>{percent}% off</translation>
    </message>
    <message>
        <source> × {quantity} {escape}</source>
        <translation> × {quantity} {escape}</translation>
    </message>
    <message>
        <source>{escape}: chưa có mức thu trong danh mục (do tỉnh quyết định), thông báo sau</source>
        <translation>{escape}: no rate in the catalogue (set by the province), to be announced</translation>
    </message>
    <message>
        <source>Không phải nộp phí, lệ phí.</source>
        <translation>No fees or charges to pay.</translation>
    </message>
    <message>
        <source>Phí: {format_dong} · Lệ phí: {format_dong2} · Tổng: {format_dong3}</source>
        <translation>Fee: {format_dong} · Charge: {format_dong2} · Total: {format_dong3}</translation>
    </message>
    <message>
        <source>Căn cứ: {basis}</source>
        <translation>Basis: {basis}</translation>
    </message>
</context>
<context>
    <name>FeesScreen</name>
    <message>
        <source>Mã hồ sơ trên giấy tiếp nhận (gõ hoặc quét)</source>
        <translation>Dossier code on the receipt slip (type or scan)</translation>
    </message>
    <message>
        <source>Mã hồ &amp;sơ:</source>
        <translation>Dossier co&amp;de:</translation>
    </message>
    <message>
        <source>Thu phí hồ sơ</source>
        <translation>Dossier fees</translation>
    </message>
    <message>
        <source>Biên lai hôm nay (Ctrl+D)</source>
        <translation>Today&apos;s receipts (Ctrl+D)</translation>
    </message>
    <message>
        <source>&amp;Biên lai của hồ sơ (Ctrl+R in lại, Ctrl+Shift+X hủy):</source>
        <translation>&amp;Receipts of the dossier (Ctrl+R reprint, Ctrl+Shift+X cancel):</translation>
    </message>
    <message>
        <source>Phải nộp</source>
        <translation>To pay</translation>
    </message>
    <message>
        <source>Ô mã hồ sơ đang ghi mã khác hồ sơ {code}: nhấn Enter để mở hồ sơ vừa gõ trước khi thu tiền.</source>
        <translation>The dossier code field holds a code other than dossier {code}: press Enter to open the dossier typed before collecting.</translation>
    </message>
    <message>
        <source>Đã thu {format_dong} ({lower}) của hồ sơ {dossier_code}: biên lai số {number_text}.</source>
        <translation>Collected {format_dong} ({lower}) for dossier {dossier_code}: receipt no. {number_text}.</translation>
    </message>
    <message>
        <source>Chưa chọn biên lai nào để in lại.</source>
        <translation>No receipt chosen to reprint.</translation>
    </message>
    <message>
        <source>Chưa chọn biên lai nào để hủy.</source>
        <translation>No receipt chosen to cancel.</translation>
    </message>
    <message>
        <source>Biên lai {number} đã hủy; không hủy lại.</source>
        <translation>Receipt {number} is already cancelled; it is not cancelled again.</translation>
    </message>
    <message>
        <source>Đã hủy biên lai {number_text}; hồ sơ {dossier_code} phải nộp lại.</source>
        <translation>Receipt {number_text} cancelled; dossier {dossier_code} must be paid again.</translation>
    </message>
</context>
<context>
    <name>FeesTodayView</name>
    <message>
        <source>Khóa sổ cuối ngày (Ctrl+Shift+K)</source>
        <translation>End-of-day close (Ctrl+Shift+K)</translation>
    </message>
    <message>
        <source>&lt;b&gt;Biên lai ngày {office_date} tại quầy này&lt;/b&gt;</source>
        <translation>&lt;b&gt;Receipts of {office_date} at this desk&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Hôm nay chưa thu phí, lệ phí nào.</source>
        <translation>No fees or charges collected today.</translation>
    </message>
    <message>
        <source>Không tải được biên lai trong ngày: {error_text}</source>
        <translation>Could not load today&apos;s receipts: {error_text}</translation>
    </message>
</context>
<context>
    <name>FigureTable</name>
    <message>
        <source>Chỉ tiêu</source>
        <translation>Indicator</translation>
    </message>
    <message>
        <source>Tổng cộng</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>Số liệu</source>
        <translation>Figure</translation>
    </message>
</context>
<context>
    <name>FirstSupervisorDialog</name>
    <message>
        <source>Tạo tài khoản giám sát viên</source>
        <translation>Create a supervisor account</translation>
    </message>
    <message>
        <source>Quầy chưa có tài khoản nào. Tạo tài khoản giám sát viên đầu tiên; giám sát viên sẽ thêm tài khoản cho nhân viên (phím F8).</source>
        <translation>The counter has no accounts yet. Create the first supervisor account; the supervisor then adds the staff&apos;s accounts (F8).</translation>
    </message>
    <message>
        <source>Tạo tài khoản</source>
        <translation>Create the account</translation>
    </message>
    <message>
        <source>Thoát (Esc)</source>
        <translation>Quit (Esc)</translation>
    </message>
</context>
<context>
    <name>HandoverDialog</name>
    <message>
        <source>Giao nhận với cơ quan giải quyết</source>
        <translation>Hand-over with the processing agency</translation>
    </message>
    <message>
        <source>Giao hồ sơ cho cơ quan giải quyết</source>
        <translation>Hand the dossier to the processing agency</translation>
    </message>
    <message>
        <source>Nhận kết quả từ cơ quan giải quyết</source>
        <translation>Receive the result from the processing agency</translation>
    </message>
    <message>
        <source>Giao hay nhận:</source>
        <translation>Hand over or receive:</translation>
    </message>
    <message>
        <source>Cơ quan giải quyết:</source>
        <translation>Processing agency:</translation>
    </message>
    <message>
        <source>Hồ sơ đang ở trạng thái «{label}»: không có việc giao nhận với cơ quan giải quyết.</source>
        <translation>The dossier is «{label}»: there is no hand-over with the processing agency.</translation>
    </message>
</context>
<context>
    <name>HelpDialog</name>
    <message>
        <source>Phím tắt</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
</context>
<context>
    <name>IntakeScreen</name>
    <message>
        <source>Hồ sơ mới (Ctrl+N)</source>
        <translation>New dossier (Ctrl+N)</translation>
    </message>
    <message>
        <source>Hướng dẫn bổ sung, Mẫu 02 (Ctrl+G)</source>
        <translation>Guidance to complete, Form 02 (Ctrl+G)</translation>
    </message>
    <message>
        <source>Từ chối tiếp nhận, Mẫu 03 (Ctrl+R)</source>
        <translation>Refuse to receive, Form 03 (Ctrl+R)</translation>
    </message>
    <message>
        <source>Lưu và in giấy tiếp nhận (Ctrl+S)</source>
        <translation>Save and print the receipt slip (Ctrl+S)</translation>
    </message>
    <message>
        <source>vì sao nhập sau (giám sát viên duyệt)</source>
        <translation>why it is entered late (a supervisor approves)</translation>
    </message>
    <message>
        <source>Lý do nhập muộn:</source>
        <translation>Reason for the late entry:</translation>
    </message>
    <message>
        <source>Danh mục thủ tục của quầy đang trống: hãy nhập danh mục (menu Thiết lập) trước khi tiếp nhận.</source>
        <translation>The desk&apos;s procedure catalogue is empty: import the catalogue (Settings) before receiving dossiers.</translation>
    </message>
    <message>
        <source>Thời hạn giải quyết: {procedure_time_text}</source>
        <translation>Time limit: {procedure_time_text}</translation>
    </message>
    <message>
        <source>Hẹn trả: đang tính…</source>
        <translation>Return date: calculating…</translation>
    </message>
    <message>
        <source>Hẹn trả: chưa tính được (thủ tục không có trong danh mục)</source>
        <translation>Return date: cannot be calculated (the procedure is not in the catalogue)</translation>
    </message>
    <message>
        <source>Hẹn trả: chưa tính được ({error_text})</source>
        <translation>Return date: cannot be calculated ({error_text})</translation>
    </message>
    <message>
        <source>{message} Thông tin đã nhập được giữ nguyên.</source>
        <translation>{message} What was typed is kept.</translation>
    </message>
    <message>
        <source>Đã điền thông tin {who} từ thẻ căn cước: {full_name}, số {id_number}. Hãy kiểm tra lại (cả xã/phường) và nhập số điện thoại.</source>
        <translation>Filled in the {who} from the ID card: {full_name}, no. {id_number}. Check it (the commune/ward too) and enter the phone number.</translation>
    </message>
    <message>
        <source>Đang lưu…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Đang lưu hồ sơ…</source>
        <translation>Saving the dossier…</translation>
    </message>
    <message>
        <source>Chưa lưu: {message} Thông tin đã nhập được giữ nguyên.</source>
        <translation>Not saved: {message} What was typed is kept.</translation>
    </message>
    <message>
        <source>Tên không dấu</source>
        <translation>Name without accents</translation>
    </message>
    <message>
        <source>Họ tên «{name}» không có dấu. Bạn có chắc tên không dấu?</source>
        <translation>The name «{name}» has no Vietnamese accents. Are you sure it is written without accents?</translation>
    </message>
    <message>
        <source>Tên sẽ được in trên giấy tiếp nhận là «{person_name}». Chọn «Sửa lại» để gõ tên có dấu.</source>
        <translation>The name printed on the receipt slip will be «{person_name}». Choose «Correct it» to type the name with accents.</translation>
    </message>
    <message>
        <source>Đã tiếp nhận hồ sơ {code} của {full_name}. {due_text}.</source>
        <translation>Dossier {code} of {full_name} received. {due_text}.</translation>
    </message>
    <message>
        <source>Chưa lưu: có {count} thông tin cần sửa (đánh dấu đỏ bên dưới). Thông tin đã nhập được giữ nguyên.</source>
        <translation>Not saved: {count} entries need correcting (marked in red below). What was typed is kept.</translation>
    </message>
    <message>
        <source>Chưa lưu được hồ sơ: {error_text} Thông tin đã nhập được giữ nguyên.</source>
        <translation>The dossier could not be saved: {error_text} What was typed is kept.</translation>
    </message>
    <message>
        <source>Đã lập phiếu hướng dẫn {reference} cho {full_name} (không cấp mã hồ sơ). Ctrl+P để in Mẫu 02.</source>
        <translation>Guidance slip {reference} made for {full_name} (no dossier code given). Ctrl+P prints Form 02.</translation>
    </message>
    <message>
        <source>Đã từ chối tiếp nhận hồ sơ {code} của {full_name}. Ctrl+P để in Mẫu 03.</source>
        <translation>Dossier {code} of {full_name} refused. Ctrl+P prints Form 03.</translation>
    </message>
    <message>
        <source>Hồ sơ mới</source>
        <translation>New dossier</translation>
    </message>
    <message>
        <source>Biểu mẫu đang có thông tin chưa lưu. Xóa để nhập hồ sơ mới?</source>
        <translation>The form holds unsaved entries. Clear it for a new dossier?</translation>
    </message>
    <message>
        <source>Xóa, nhập hồ sơ mới</source>
        <translation>Clear, new dossier</translation>
    </message>
    <message>
        <source>Tiếp tục nhập (Esc)</source>
        <translation>Keep typing (Esc)</translation>
    </message>
    <message>
        <source>Hồ sơ chưa lưu</source>
        <translation>Unsaved dossier</translation>
    </message>
    <message>
        <source>Chọn «Tiếp tục nhập» để quay lại biểu mẫu, mọi thông tin đã gõ được giữ nguyên.</source>
        <translation>Choose «Keep typing» to go back to the form; everything typed is kept.</translation>
    </message>
    <message>
        <source>bỏ hồ sơ này</source>
        <translation>drop this dossier</translation>
    </message>
</context>
<context>
    <name>MachineSettingsPanel</name>
    <message>
        <source>Khổ A5 (máy in thường)</source>
        <translation>A5 (ordinary printer)</translation>
    </message>
    <message>
        <source>Giấy cuộn 80 mm (máy in nhiệt)</source>
        <translation>80 mm roll (thermal printer)</translation>
    </message>
    <message>
        <source> phút</source>
        <translation> min</translation>
    </message>
    <message>
        <source> ngày</source>
        <translation> days</translation>
    </message>
    <message>
        <source>Chọn… (Ctrl+Shift+O)</source>
        <translation>Choose… (Ctrl+Shift+O)</translation>
    </message>
    <message>
        <source>Khổ giấy &amp;biên lai:</source>
        <translation>&amp;Receipt paper:</translation>
    </message>
    <message>
        <source>Máy &amp;chủ tỉnh:</source>
        <translation>Pro&amp;vince server:</translation>
    </message>
    <message>
        <source>Đồng bộ mỗi (&amp;phút):</source>
        <translation>Sync every (&amp;minutes):</translation>
    </message>
    <message>
        <source>Có hiệu lực từ lần đồng bộ sau (F9 đồng bộ ngay).</source>
        <translation>Takes effect from the next sync (F9 syncs now).</translation>
    </message>
    <message>
        <source>Giữ thao tác đã đồng bộ (ngà&amp;y):</source>
        <translation>Keep synced operations (da&amp;ys):</translation>
    </message>
    <message>
        <source>Sau chừng ấy ngày kể từ khi máy chủ tỉnh xác nhận, thao tác được xoá khỏi hàng đợi gửi; hồ sơ và nhật ký thao tác của quầy vẫn giữ nguyên.</source>
        <translation>That many days after the province server confirmed them, operations leave the send queue; the dossiers and the counter&apos;s audit log stay as they are.</translation>
    </message>
    <message>
        <source>Thư mục &amp;sao lưu:</source>
        <translation>&amp;Backup folder:</translation>
    </message>
    <message>
        <source>Bản sao lưu hằng ngày khi đóng ứng dụng; để trống: thư mục mặc định trong thư mục dữ liệu.</source>
        <translation>The daily backup made when the app closes; empty: the default folder inside the data folder.</translation>
    </message>
    <message>
        <source>Số bản sao lưu &amp;giữ lại:</source>
        <translation>Backups to &amp;keep:</translation>
    </message>
    <message>
        <source>&amp;Ngôn ngữ giao diện:</source>
        <translation>Lan&amp;guage:</translation>
    </message>
    <message>
        <source>Đổi ngôn ngữ có hiệu lực khi mở lại ứng dụng.</source>
        <translation>A new language takes effect when the app is opened again.</translation>
    </message>
    <message>
        <source>Quầy đã đăng ký: đổi địa chỉ khi tỉnh chuyển máy chủ sang địa chỉ mới; danh tính và mã xác thực của quầy được giữ.</source>
        <translation>The counter is enrolled: change the address when the province moves its server to a new address; the counter&apos;s identity and token are kept.</translation>
    </message>
    <message>
        <source>Quầy chưa đăng ký: địa chỉ này được điền sẵn khi đăng ký (màn hình Đồng bộ, F7).</source>
        <translation>The counter is not enrolled: this address is filled in at enrolment (Sync screen, F7).</translation>
    </message>
    <message>
        <source>Thư mục sao lưu</source>
        <translation>Backup folder</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Mở bảng phím tắt</source>
        <translation>Open the list of shortcuts</translation>
    </message>
    <message>
        <source>Tiếp nhận hồ sơ mới</source>
        <translation>Receive a new dossier</translation>
    </message>
    <message>
        <source>Tra cứu hồ sơ</source>
        <translation>Search dossiers</translation>
    </message>
    <message>
        <source>Thu phí, lệ phí: mở hồ sơ theo mã, thu tiền mặt hoặc chuyển khoản, lập và in biên lai</source>
        <translation>Fees and charges: open a dossier by its code, collect cash or a transfer, issue and print the receipt</translation>
    </message>
    <message>
        <source>Việc cần làm: đến hạn hôm nay, quá hạn, chờ bổ sung, chờ trả kết quả, bưu gửi</source>
        <translation>Work to do: due today, overdue, waiting for papers, results to return, shipments</translation>
    </message>
    <message>
        <source>Báo cáo: báo cáo ngày, sổ theo dõi hồ sơ (Mẫu 06), chỉ số QĐ 766; xuất PDF, Excel, CSV</source>
        <translation>Reports: daily report, dossier register (Form 06), Decision 766 indicators; export PDF, Excel, CSV</translation>
    </message>
    <message>
        <source>Ghi nhật ký hỗ trợ công dân nộp hồ sơ trực tuyến</source>
        <translation>Log a citizen helped to file online</translation>
    </message>
    <message>
        <source>Khóa sổ cuối ngày: đếm tiền mặt theo mệnh giá, so với biên lai</source>
        <translation>Close the day: count the cash by denomination, compare with the receipts</translation>
    </message>
    <message>
        <source>Xem tình trạng đồng bộ với máy chủ tỉnh</source>
        <translation>See the sync state with the province server</translation>
    </message>
    <message>
        <source>Đồng bộ ngay với máy chủ tỉnh</source>
        <translation>Sync with the province server now</translation>
    </message>
    <message>
        <source>Xung đột đồng bộ (giám sát viên): so hai bản, giữ một bản, gộp hoặc từ chối</source>
        <translation>Sync conflicts (supervisor): compare both versions, keep one, merge or reject</translation>
    </message>
    <message>
        <source>Khóa màn hình, đổi người tiếp nhận (công việc đang làm được giữ)</source>
        <translation>Lock the screen, change clerk (work in progress is kept)</translation>
    </message>
    <message>
        <source>Tài khoản người tiếp nhận (giám sát viên)</source>
        <translation>Clerk accounts (supervisor)</translation>
    </message>
    <message>
        <source>Thiết lập (giám sát viên): đơn vị, số quầy, địa chỉ tra cứu, máy in, thư mục quét; máy này: khổ biên lai, máy chủ tỉnh, chu kỳ đồng bộ, sao lưu, ngôn ngữ</source>
        <translation>Settings (supervisor): unit, desk, lookup address, printer, scan folder; this machine: receipt paper, province server, sync interval, backups, language</translation>
    </message>
    <message>
        <source>Sao lưu ngay dữ liệu của quầy (giám sát viên); khi đóng, tự sao lưu mỗi ngày một lần</source>
        <translation>Back up this counter&apos;s data now (supervisor); on closing, a backup is made once a day</translation>
    </message>
    <message>
        <source>Thoát ứng dụng</source>
        <translation>Quit the app</translation>
    </message>
    <message>
        <source>Quét mã</source>
        <translation>Scan a code</translation>
    </message>
    <message>
        <source>Quét mã vạch trên giấy tiếp nhận: mở hồ sơ từ bất kỳ màn hình nào</source>
        <translation>Scan the barcode on a receipt slip: opens the dossier from any screen</translation>
    </message>
    <message>
        <source>Quét QR</source>
        <translation>Scan a QR code</translation>
    </message>
    <message>
        <source>Quét mã QR trên thẻ căn cước: điền thông tin người nộp ở màn hình tiếp nhận</source>
        <translation>Scan the QR code on an ID card: fills in the applicant on the intake screen</translation>
    </message>
    <message>
        <source>Mở hồ sơ {code} để thực hiện bước tiếp theo.</source>
        <translation>Open dossier {code} to take the next step.</translation>
    </message>
    <message>
        <source>Đã ghi nhật ký hỗ trợ: {applicant_name} — {label}.</source>
        <translation>Online help recorded: {applicant_name} — {label}.</translation>
    </message>
    <message>
        <source>Đang đồng bộ với máy chủ tỉnh…</source>
        <translation>Syncing with the province server…</translation>
    </message>
    <message>
        <source>Đang đồng bộ với máy chủ tỉnh; kết quả sẽ hiện khi phiên này xong.</source>
        <translation>Syncing with the province server; the result shows when this session ends.</translation>
    </message>
    <message>
        <source>Chung</source>
        <translation>General</translation>
    </message>
    <message>
        <source>Hồ sơ đang mở</source>
        <translation>Open dossier</translation>
    </message>
    <message>
        <source>Đồng bộ: đang đọc tình trạng…</source>
        <translation>Sync: reading the state…</translation>
    </message>
    <message>
        <source>Người tiếp nhận: {name}</source>
        <translation>Clerk: {name}</translation>
    </message>
    <message>
        <source>Quầy đang khóa — đăng nhập</source>
        <translation>Counter locked — sign in</translation>
    </message>
    <message>
        <source>Màn hình đã khóa; công việc đang làm được giữ nguyên. Đăng nhập để tiếp tục.</source>
        <translation>The screen is locked; work in progress is kept as it is. Sign in to continue.</translation>
    </message>
    <message>
        <source>Hồ sơ đang nhập dở</source>
        <translation>Dossier being typed</translation>
    </message>
    <message>
        <source>Biểu mẫu có hồ sơ {full_name} đang nhập dở. Tiếp tục hồ sơ này (người tiếp nhận sẽ là {full_name2}) hay xóa để nhập hồ sơ mới?</source>
        <translation>The form holds dossier {full_name}, not finished. Continue it (the clerk will be {full_name2}) or clear it for a new dossier?</translation>
    </message>
    <message>
        <source>Tiếp tục nhập (Esc)</source>
        <translation>Keep typing (Esc)</translation>
    </message>
    <message>
        <source>Xóa, nhập hồ sơ mới</source>
        <translation>Clear, new dossier</translation>
    </message>
    <message>
        <source>Tài khoản</source>
        <translation>Accounts</translation>
    </message>
    <message>
        <source>Chỉ giám sát viên đã đăng nhập mới quản lý được tài khoản.</source>
        <translation>Only a signed-in supervisor can manage accounts.</translation>
    </message>
    <message>
        <source>Xung đột đồng bộ</source>
        <translation>Sync conflicts</translation>
    </message>
    <message>
        <source>Chỉ giám sát viên đã đăng nhập mới giải quyết được xung đột đồng bộ.</source>
        <translation>Only a signed-in supervisor can resolve sync conflicts.</translation>
    </message>
    <message>
        <source>Thiết lập</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Quầy một cửa — {unit} — Quầy {desk}</source>
        <translation>One-stop counter — {unit} — Desk {desk}</translation>
    </message>
    <message>
        <source>{unit_name} ({unit_code}) · Quầy {desk_slot}</source>
        <translation>{unit_name} ({unit_code}) · Desk {desk_slot}</translation>
    </message>
    <message>
        <source>&lt;b&gt;Cơ sở dữ liệu bị hỏng&lt;/b&gt;: hãy gọi bộ phận CNTT của tỉnh</source>
        <translation>&lt;b&gt;The database is damaged&lt;/b&gt;: call the province&apos;s IT team</translation>
    </message>
    <message>
        <source>thoát</source>
        <translation>quit</translation>
    </message>
</context>
<context>
    <name>MomentEdit</name>
    <message>
        <source>bây giờ — hoặc gõ giờ:phút ngày/tháng/năm</source>
        <translation>now — or type hour:minute day/month/year</translation>
    </message>
    <message>
        <source>Để nguyên (hoặc xóa trống) là bây giờ; gõ 14:30 09/03/2026, 14:30 09/03 hay 14:30 (hôm nay) cho một việc đã làm trước đó.</source>
        <translation>Leave it (or empty it) for now; type 14:30 09/03/2026, 14:30 09/03 or 14:30 (today) for something done earlier.</translation>
    </message>
</context>
<context>
    <name>OutcomeDialog</name>
    <message>
        <source>Giấy tờ cần bổ sung (Space: chọn/bỏ chọn; các giấy tờ chưa nộp đã được chọn sẵn):</source>
        <translation>Papers to add (Space: choose/unchoose; the papers not handed in are already chosen):</translation>
    </message>
    <message>
        <source>Quay lại biểu mẫu (Esc)</source>
        <translation>Back to the form (Esc)</translation>
    </message>
    <message>
        <source>Hãy ghi lý do trước khi xác nhận.</source>
        <translation>Write the reason before confirming.</translation>
    </message>
</context>
<context>
    <name>PageViewer</name>
    <message>
        <source>Đang tải…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>PgUp/PgDn: trang trước/sau · Home/End · Ctrl++/Ctrl+-: phóng to/thu nhỏ</source>
        <translation>PgUp/PgDn: previous/next page · Home/End · Ctrl++/Ctrl+-: zoom in/out</translation>
    </message>
</context>
<context>
    <name>PaymentPanel</name>
    <message>
        <source>Tiền mặt (Alt+1)</source>
        <translation>Cash (Alt+1)</translation>
    </message>
    <message>
        <source>Chuyển khoản (Alt+2)</source>
        <translation>Bank transfer (Alt+2)</translation>
    </message>
    <message>
        <source>&amp;Khổ giấy biên lai:</source>
        <translation>Receipt &amp;paper:</translation>
    </message>
    <message>
        <source>Thu tiền và lập biên lai (Ctrl+Enter)</source>
        <translation>Collect and issue the receipt (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Thu tiền mặt: &lt;b&gt;{format_dong}&lt;/b&gt;. Nhận đủ tiền rồi nhấn Ctrl+Enter để lập và in biên lai.</source>
        <translation>Collect in cash: &lt;b&gt;{format_dong}&lt;/b&gt;. Take the full amount, then press Ctrl+Enter to issue and print the receipt.</translation>
    </message>
</context>
<context>
    <name>PersonForm</name>
    <message>
        <source>Chủ hồ sơ</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <source>Họ, chữ đệm và tên, có dấu</source>
        <translation>Family name, middle name and given name, with accents</translation>
    </message>
    <message>
        <source>12 chữ số (CCCD), 9 chữ số (CMND)</source>
        <translation>12 digits (citizen ID card), 9 digits (old ID card)</translation>
    </message>
    <message>
        <source>Giấy tờ:</source>
        <translation>ID document:</translation>
    </message>
    <message>
        <source>Số:</source>
        <translation>No.:</translation>
    </message>
    <message>
        <source>ngày/tháng/năm, ví dụ 05/09/1990</source>
        <translation>day/month/year, for example 05/09/1990</translation>
    </message>
    <message>
        <source>— chưa chọn —</source>
        <translation>— not chosen —</translation>
    </message>
    <message>
        <source>Nam</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>Nữ</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>ví dụ 0912 345 678</source>
        <translation>for example 0912 345 678</translation>
    </message>
    <message>
        <source>Điện thoại:</source>
        <translation>Phone:</translation>
    </message>
    <message>
        <source>không bắt buộc</source>
        <translation>optional</translation>
    </message>
    <message>
        <source>số nhà, tên đường, thôn/tổ dân phố (cả địa chỉ nếu để trống xã/phường)</source>
        <translation>house number, street, village/residential group (the whole address if the commune/ward is empty)</translation>
    </message>
    <message>
        <source>Người nộp &amp;khác chủ hồ sơ</source>
        <translation>Submitted by &amp;someone else</translation>
    </message>
    <message>
        <source>người nộp</source>
        <translation>the submitter</translation>
    </message>
    <message>
        <source>chủ hồ sơ</source>
        <translation>the applicant</translation>
    </message>
    <message>
        <source>{phone} người nộp</source>
        <translation>{phone} of the submitter</translation>
    </message>
</context>
<context>
    <name>ProcedurePicker</name>
    <message>
        <source>Gõ tên hoặc mã thủ tục (không cần dấu), ví dụ: khai sinh, 1.001193</source>
        <translation>Type the procedure&apos;s name or code (accents optional), for example: khai sinh, 1.001193</translation>
    </message>
    <message>
        <source>Thủ tục hành chính</source>
        <translation>Administrative procedure</translation>
    </message>
    <message>
        <source>Không tải được danh mục thủ tục: {error}</source>
        <translation>Could not load the procedure catalogue: {error}</translation>
    </message>
    <message>
        <source>Đang tải danh mục thủ tục…</source>
        <translation>Loading the procedure catalogue…</translation>
    </message>
    <message>
        <source>Không có thủ tục nào khớp; hãy gõ ít chữ hơn hoặc gõ mã thủ tục.</source>
        <translation>No procedure matches; type fewer letters or type the procedure code.</translation>
    </message>
</context>
<context>
    <name>ProvinceCombo</name>
    <message>
        <source>— Chọn tỉnh/thành phố (gõ tên không cần dấu) —</source>
        <translation>— Choose the province/city (accents optional) —</translation>
    </message>
</context>
<context>
    <name>ReceiptPreviewDialog</name>
    <message>
        <source>Biên lai số {code}: {len} trang — liên 1, 2, 3 (khổ {page_label}). Ctrl+P để in, Ctrl+Shift+S để lưu PDF, Esc để đóng.</source>
        <translation>Receipt no. {code}: {len} pages — copies 1, 2, 3 ({page_label}). Ctrl+P prints, Ctrl+Shift+S saves a PDF, Esc closes.</translation>
    </message>
</context>
<context>
    <name>ReceiptView</name>
    <message>
        <source>{format_vnd} đồng (phí {format_vnd2}, lệ phí {format_vnd3})</source>
        <translation>{format_vnd} dong (fee {format_vnd2}, charge {format_vnd3})</translation>
    </message>
    <message>
        <source>{label}: {cancel_reason} (giám sát viên {cancelled_by}{when})</source>
        <translation>{label}: {cancel_reason} (supervisor {cancelled_by}{when})</translation>
    </message>
</context>
<context>
    <name>ReportsScreen</name>
    <message>
        <source>Từ &amp;ngày</source>
        <translation>&amp;From</translation>
    </message>
    <message>
        <source>Đến n&amp;gày</source>
        <translation>&amp;To</translation>
    </message>
    <message>
        <source>Lập báo cáo (Ctrl+R)</source>
        <translation>Make the report (Ctrl+R)</translation>
    </message>
    <message>
        <source>Chọn loại báo cáo và kỳ báo cáo, rồi bấm Ctrl+R.</source>
        <translation>Choose the kind of report and its period, then press Ctrl+R.</translation>
    </message>
    <message>
        <source>Đang hủy…</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>{len} hồ sơ</source>
        <translation>{len} dossiers</translation>
    </message>
    <message>
        <source>Sổ theo dõi hồ sơ {period_text}: {count}.</source>
        <translation>Dossier register {period_text}: {count}.</translation>
    </message>
    <message>
        <source>Không lập được báo cáo: {error_text}</source>
        <translation>The report could not be made: {error_text}</translation>
    </message>
    <message>
        <source>Đang tải hồ sơ của «{label}»…</source>
        <translation>Loading the dossiers of «{label}»…</translation>
    </message>
    <message>
        <source>«{label}» {when}: {len} hồ sơ · Enter: mở hồ sơ · Esc: quay lại</source>
        <translation>«{label}» {when}: {len} dossiers · Enter: open the dossier · Esc: back</translation>
    </message>
    <message>
        <source>Không tải được danh sách hồ sơ: {error_text}</source>
        <translation>Could not load the list of dossiers: {error_text}</translation>
    </message>
    <message>
        <source>Lưu {value} ({upper})</source>
        <translation>Save the {value} ({upper})</translation>
    </message>
    <message>
        <source>Đang xuất báo cáo ra tệp {path}…</source>
        <translation>Exporting the report to {path}…</translation>
    </message>
    <message>
        <source>Đã xuất báo cáo ra tệp {path}.</source>
        <translation>Report exported to {path}.</translation>
    </message>
    <message>
        <source>Không ghi được tệp: {os_error_words}. Hãy chọn thư mục khác.</source>
        <translation>The file could not be written: {os_error_words}. Choose another folder.</translation>
    </message>
    <message>
        <source>Phiên bản này chưa có chức năng xuất định dạng đã chọn.</source>
        <translation>This version cannot export the chosen format yet.</translation>
    </message>
    <message>
        <source>Không xuất được báo cáo: {error_text}</source>
        <translation>The report could not be exported: {error_text}</translation>
    </message>
    <message>
        <source>Lập {value}</source>
        <translation>Make the {value}</translation>
    </message>
    <message>
        <source>Lập lại báo cáo cho kỳ đã chọn</source>
        <translation>Make the report again for the chosen period</translation>
    </message>
    <message>
        <source>Báo cáo ngày trước / ngày sau</source>
        <translation>Report of the previous / next day</translation>
    </message>
    <message>
        <source>Báo cáo tháng trước / tháng sau</source>
        <translation>Report of the previous / next month</translation>
    </message>
    <message>
        <source>Xem hồ sơ của chỉ tiêu; trong danh sách: mở hồ sơ</source>
        <translation>See the dossiers behind the indicator; in the list: open the dossier</translation>
    </message>
    <message>
        <source>Hủy báo cáo đang lập; quay lại bảng chỉ tiêu</source>
        <translation>Cancel the report being made; back to the indicators</translation>
    </message>
    <message>
        <source>{name} báo cáo đang xem</source>
        <translation>{name}: the report on screen</translation>
    </message>
</context>
<context>
    <name>ReturnDialog</name>
    <message>
        <source>Trả kết quả — {code}</source>
        <translation>Return the result — {code}</translation>
    </message>
    <message>
        <source>số đồng, ví dụ 25000</source>
        <translation>amount in dong, for example 25000</translation>
    </message>
    <message>
        <source>Nhãn A6 (105×148 mm)</source>
        <translation>A6 label (105×148 mm)</translation>
    </message>
    <message>
        <source>Nhãn 100×150 mm</source>
        <translation>Label 100×150 mm</translation>
    </message>
    <message>
        <source>Khổ nhãn</source>
        <translation>Label size</translation>
    </message>
    <message>
        <source>Trả tại quầy (Ctrl+1)</source>
        <translation>Hand over at the desk (Ctrl+1)</translation>
    </message>
    <message>
        <source>Gửi qua bưu chính (Ctrl+2)</source>
        <translation>Send by post (Ctrl+2)</translation>
    </message>
    <message>
        <source>Thời điểm trả:</source>
        <translation>Returned at:</translation>
    </message>
    <message>
        <source>Ctrl+S: trả kết quả. Esc: đóng.</source>
        <translation>Ctrl+S: return the result. Esc: close.</translation>
    </message>
    <message>
        <source>Trả kết quả (Ctrl+S)</source>
        <translation>Return the result (Ctrl+S)</translation>
    </message>
    <message>
        <source>Lưu PDF (Ctrl+Shift+S)</source>
        <translation>Save a PDF (Ctrl+Shift+S)</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>Đang lưu…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Chưa trả kết quả: xem thời điểm trả.</source>
        <translation>Result not returned: check the time it was returned.</translation>
    </message>
    <message>
        <source>Đã gửi kết quả qua bưu chính, mã bưu gửi {item_code}. Đang tạo nhãn…</source>
        <translation>Result sent by post, item code {item_code}. Making the label…</translation>
    </message>
    <message>
        <source>Đã trả kết quả cho {receiver_name}. Đang tạo phiếu giao nhận…</source>
        <translation>Result handed to {receiver_name}. Making the hand-over slip…</translation>
    </message>
    <message>
        <source>nhãn bưu gửi</source>
        <translation>postal label</translation>
    </message>
    <message>
        <source>phiếu giao nhận kết quả</source>
        <translation>result hand-over slip</translation>
    </message>
    <message>
        <source> Mã bưu gửi {item_code}.</source>
        <translation> Item code {item_code}.</translation>
    </message>
    <message>
        <source>Đã trả kết quả.{item} Ctrl+P để in {paper}, Ctrl+Shift+S để lưu PDF, Esc để đóng.</source>
        <translation>Result returned.{item} Ctrl+P prints the {paper}, Ctrl+Shift+S saves a PDF, Esc closes.</translation>
    </message>
    <message>
        <source>Giấy tờ chưa tạo xong.</source>
        <translation>The paper is not ready yet.</translation>
    </message>
    <message>
        <source>Đã lưu vào «{path}».</source>
        <translation>Saved to «{path}».</translation>
    </message>
    <message>
        <source>Lưu thành tệp PDF</source>
        <translation>Save as a PDF file</translation>
    </message>
    <message>
        <source>Tệp PDF (*.pdf)</source>
        <translation>PDF file (*.pdf)</translation>
    </message>
    <message>
        <source>Không lưu được tệp «{chosen}»: {value}.</source>
        <translation>The file «{chosen}» could not be saved: {value}.</translation>
    </message>
    <message>
        <source>Nhãn bưu gửi</source>
        <translation>Postal label</translation>
    </message>
    <message>
        <source>In giấy tờ trả kết quả</source>
        <translation>Print the result papers</translation>
    </message>
    <message>
        <source>Không in được: {error_text}</source>
        <translation>Could not print: {error_text}</translation>
    </message>
    <message>
        <source>Đã gửi tới máy in.</source>
        <translation>Sent to the printer.</translation>
    </message>
</context>
<context>
    <name>ScanPanel</name>
    <message>
        <source>Kéo thả tệp quét vào một giấy tờ, hoặc chọn giấy tờ rồi Ctrl+O.</source>
        <translation>Drop scanned files on a paper, or choose a paper and press Ctrl+O.</translation>
    </message>
    <message>
        <source>Thêm bản quét… (Ctrl+O)</source>
        <translation>Add a scan… (Ctrl+O)</translation>
    </message>
    <message>
        <source>Lấy từ thư mục quét (Ctrl+I)</source>
        <translation>Take from the scan folder (Ctrl+I)</translation>
    </message>
    <message>
        <source> (từ hồ sơ {reused_from})</source>
        <translation> (from dossier {reused_from})</translation>
    </message>
    <message>
        <source>Đang số hóa {len} tệp vào giấy tờ số {index}…</source>
        <translation>Scanning {len} files into paper no. {index}…</translation>
    </message>
    <message>
        <source>Đã số hóa giấy tờ số {index}: {pages} trang.</source>
        <translation>Paper no. {index} scanned: {pages} pages.</translation>
    </message>
    <message>
        <source>Hãy chọn một giấy tờ trước.</source>
        <translation>Choose a paper first.</translation>
    </message>
    <message>
        <source>Bản quét cho giấy tờ số {index}</source>
        <translation>Scans for paper no. {index}</translation>
    </message>
    <message>
        <source>Thư mục quét không có tệp nào đang chờ.</source>
        <translation>The scan folder has no files waiting.</translation>
    </message>
    <message>
        <source>Đang số hóa {len} tệp từ thư mục quét vào giấy tờ số {index}…</source>
        <translation>Scanning {len} files from the scan folder into paper no. {index}…</translation>
    </message>
    <message>
        <source>Giấy tờ này chưa được số hóa.</source>
        <translation>This paper is not scanned yet.</translation>
    </message>
    <message>
        <source>Giấy tờ số {index}: {name}</source>
        <translation>Paper no. {index}: {name}</translation>
    </message>
</context>
<context>
    <name>Screen</name>
    <message>
        <source>Thu phí</source>
        <translation>Fees</translation>
    </message>
    <message>
        <source>Tiếp nhận</source>
        <translation>Intake</translation>
    </message>
    <message>
        <source>Báo cáo</source>
        <translation>Reports</translation>
    </message>
    <message>
        <source>Tra cứu</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Đồng bộ</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>Việc cần làm</source>
        <translation>Work to do</translation>
    </message>
</context>
<context>
    <name>SearchScreen</name>
    <message>
        <source>Mã hồ sơ, họ tên, số giấy tờ hoặc số điện thoại</source>
        <translation>Dossier code, name, ID number or phone number</translation>
    </message>
    <message>
        <source>&amp;Tìm hồ sơ:</source>
        <translation>&amp;Find a dossier:</translation>
    </message>
    <message>
        <source>Gõ vào ô tìm</source>
        <translation>Type in the search field</translation>
    </message>
    <message>
        <source>Kết quả hiện ngay khi gõ (mã, họ tên có dấu hoặc không, số giấy tờ, điện thoại)</source>
        <translation>Results show as you type (code, name with or without accents, ID number, phone)</translation>
    </message>
    <message>
        <source>Từ ô tìm xuống danh sách kết quả</source>
        <translation>From the search field down to the results</translation>
    </message>
    <message>
        <source>↑ ở dòng đầu</source>
        <translation>↑ on the first row</translation>
    </message>
    <message>
        <source>Quay lại ô tìm</source>
        <translation>Back to the search field</translation>
    </message>
    <message>
        <source>Mở hồ sơ đang chọn; trong ô tìm: mở luôn nếu chỉ có một kết quả</source>
        <translation>Open the chosen dossier; in the search field: open it at once if there is only one result</translation>
    </message>
    <message>
        <source>Nhấp đúp</source>
        <translation>Double-click</translation>
    </message>
    <message>
        <source>Mở hồ sơ</source>
        <translation>Open the dossier</translation>
    </message>
    <message>
        <source>Xóa ô tìm (trong danh sách: quay lại ô tìm)</source>
        <translation>Clear the search field (in the list: back to the search field)</translation>
    </message>
    <message>
        <source>Đưa con trỏ về ô tìm</source>
        <translation>Put the cursor in the search field</translation>
    </message>
    <message>
        <source>Không tìm được: {error_text}</source>
        <translation>Search failed: {error_text}</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <source>Thiết lập quầy lần đầu</source>
        <translation>First set-up of the counter</translation>
    </message>
    <message>
        <source>Chọn đơn vị mà quầy này tiếp nhận hồ sơ (danh mục hành chính áp dụng từ ngày 01/7/2025), nhập mã định danh của đơn vị, số quầy và tài khoản giám sát viên (người thêm tài khoản cho nhân viên và duyệt hồ sơ nhập muộn). Enter chuyển sang ô tiếp theo.</source>
        <translation>Choose the office for which this desk receives dossiers (administrative units in force from 01/7/2025), enter the office&apos;s identifier code, the desk number and the supervisor&apos;s account (the one who adds the staff&apos;s accounts and approves late entries). Enter moves to the next field.</translation>
    </message>
    <message>
        <source>Gõ tên phường/xã, không cần dấu (ví dụ: hai chau)</source>
        <translation>Type the ward/commune name, accents optional (for example: hai chau)</translation>
    </message>
    <message>
        <source>ví dụ: 000.31.48.H15</source>
        <translation>for example: 000.31.48.H15</translation>
    </message>
    <message>
        <source>Mã định danh theo QCVN 102:2016/BTTTT, dạng 000.00.00.H00. Lấy từ danh mục mã đơn vị của tỉnh; không suy ra được từ tên phường/xã.</source>
        <translation>Identifier code under QCVN 102:2016/BTTTT, form 000.00.00.H00. Take it from the province&apos;s list of office codes; it cannot be derived from the ward/commune name.</translation>
    </message>
    <message>
        <source>ví dụ: Trung tâm Phục vụ hành chính công phường Hải Châu</source>
        <translation>for example: Trung tâm Phục vụ hành chính công phường Hải Châu</translation>
    </message>
    <message>
        <source>— chọn số quầy —</source>
        <translation>— choose the desk number —</translation>
    </message>
    <message>
        <source>Số quầy từ 1 đến 9; hai quầy của cùng đơn vị không được trùng số.</source>
        <translation>Desk number from 1 to 9; two desks of the same office cannot share a number.</translation>
    </message>
    <message>
        <source>&amp;Tỉnh/thành phố:</source>
        <translation>&amp;Province/city:</translation>
    </message>
    <message>
        <source>&amp;Phường/xã:</source>
        <translation>&amp;Ward/commune:</translation>
    </message>
    <message>
        <source>&amp;Mã đơn vị:</source>
        <translation>Office &amp;code:</translation>
    </message>
    <message>
        <source>Tên đơn &amp;vị:</source>
        <translation>Office &amp;name:</translation>
    </message>
    <message>
        <source>Số &amp;quầy (1–9):</source>
        <translation>&amp;Desk number (1–9):</translation>
    </message>
    <message>
        <source>&lt;b&gt;Tài khoản giám sát viên&lt;/b&gt;</source>
        <translation>&lt;b&gt;Supervisor account&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Lưu và bắt đầu (Enter)</source>
        <translation>Save and start (Enter)</translation>
    </message>
    <message>
        <source>Thoát (Esc)</source>
        <translation>Quit (Esc)</translation>
    </message>
    <message>
        <source>Mã đơn vị: chưa nhập.</source>
        <translation>Office code: not entered.</translation>
    </message>
    <message>
        <source>Tên đơn vị: chưa nhập.</source>
        <translation>Office name: not entered.</translation>
    </message>
    <message>
        <source>Số quầy: hãy chọn số quầy từ 1 đến 9.</source>
        <translation>Desk number: choose a desk number from 1 to 9.</translation>
    </message>
    <message>
        <source>Tài khoản giám sát viên: hãy nhập đủ tên đăng nhập, họ và tên, mật khẩu và nhập lại mật khẩu.</source>
        <translation>Supervisor account: enter the username, full name, password and the password again.</translation>
    </message>
    <message>
        <source>Đang lưu…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Thoát thiết lập</source>
        <translation>Leave the set-up</translation>
    </message>
    <message>
        <source>Quầy chưa được thiết lập. Thoát ứng dụng? Thông tin đã nhập sẽ không được lưu.</source>
        <translation>The counter is not set up yet. Quit the application? What was entered will not be saved.</translation>
    </message>
    <message>
        <source>Thoát</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>Tiếp tục thiết lập (Esc)</source>
        <translation>Continue the set-up (Esc)</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <source>Hồ sơ đang mở: in lại giấy tiếp nhận (Mẫu 01)</source>
        <translation>Open dossier: reprint the receipt slip (Form 01)</translation>
    </message>
    <message>
        <source>Hồ sơ đang mở: thu phí, lệ phí của hồ sơ (mở màn hình Thu phí)</source>
        <translation>Open dossier: collect the dossier&apos;s fees and charges (opens the Fees screen)</translation>
    </message>
    <message>
        <source>Hồ sơ đang mở: cấp mã mới khi máy chủ tỉnh giữ hồ sơ của công dân khác dưới mã này</source>
        <translation>Open dossier: give it a new code when the provincial server keeps another citizen&apos;s dossier under this code</translation>
    </message>
    <message>
        <source>Đóng hồ sơ đang mở</source>
        <translation>Close the open dossier</translation>
    </message>
    <message>
        <source>Phí, lệ phí: số trang bản chính / số bản / số trường hợp, việc / số bản sao trích lục thêm (tổng tính lại ngay)</source>
        <translation>Fees and charges: original pages / copies / cases / extra certified extracts (the total is recalculated at once)</translation>
    </message>
    <message>
        <source>Chọn trường hợp miễn, giảm phí, lệ phí (căn cứ pháp lý hiện bên dưới)</source>
        <translation>Choose an exemption or reduction of fees and charges (its legal basis shows below)</translation>
    </message>
    <message>
        <source>Màn hình thu phí; nhấn lại: về ô mã hồ sơ</source>
        <translation>The Fees screen; pressed again: back to the dossier code field</translation>
    </message>
    <message>
        <source>Về ô mã hồ sơ</source>
        <translation>Back to the dossier code field</translation>
    </message>
    <message>
        <source>Enter (ô mã hồ sơ)</source>
        <translation>Enter (dossier code field)</translation>
    </message>
    <message>
        <source>Mở hồ sơ vừa gõ hoặc quét</source>
        <translation>Open the dossier typed or scanned</translation>
    </message>
    <message>
        <source>Thu bằng tiền mặt / chuyển khoản (hiện mã VietQR đúng số tiền)</source>
        <translation>Collect in cash / by bank transfer (shows a VietQR code with the exact amount)</translation>
    </message>
    <message>
        <source>Chuyển khoản: ô mã giao dịch ngân hàng</source>
        <translation>Bank transfer: the bank transaction code field</translation>
    </message>
    <message>
        <source>Thu tiền, lập biên lai rồi xem và in biên lai</source>
        <translation>Collect, issue the receipt, then view and print it</translation>
    </message>
    <message>
        <source>Đến danh sách biên lai của hồ sơ</source>
        <translation>To the dossier&apos;s list of receipts</translation>
    </message>
    <message>
        <source>In lại biên lai đang chọn</source>
        <translation>Reprint the chosen receipt</translation>
    </message>
    <message>
        <source>Hủy biên lai đang chọn (lý do, giám sát viên ký xác nhận)</source>
        <translation>Cancel the chosen receipt (reason, a supervisor confirms)</translation>
    </message>
    <message>
        <source>Khổ giấy biên lai của quầy: A5 hoặc giấy nhiệt 80 mm</source>
        <translation>The desk&apos;s receipt paper: A5 or 80 mm thermal paper</translation>
    </message>
    <message>
        <source>Biên lai hôm nay và tổng theo hình thức, loại; nhấn lại: về hồ sơ</source>
        <translation>Today&apos;s receipts and totals by payment method and kind; pressed again: back to the dossier</translation>
    </message>
    <message>
        <source>Khóa sổ cuối ngày (cũng có nút ở thẻ biên lai hôm nay)</source>
        <translation>End-of-day close (there is also a button on the today&apos;s receipts tab)</translation>
    </message>
    <message>
        <source>Xem và in phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)</source>
        <translation>View and print the guidance slip to complete the dossier (Form 02)</translation>
    </message>
    <message>
        <source>Xem và in phiếu từ chối tiếp nhận (Mẫu 03)</source>
        <translation>View and print the refusal slip (Form 03)</translation>
    </message>
    <message>
        <source>Xem và in phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)</source>
        <translation>View and print the apology slip with a new return date (Form 04)</translation>
    </message>
    <message>
        <source>Xem và in phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05)</source>
        <translation>View and print the processing control slip (Form 05)</translation>
    </message>
    <message>
        <source>Về ô chọn thủ tục (Ctrl+L: khóa màn hình)</source>
        <translation>Back to the procedure field (Ctrl+L: lock the screen)</translation>
    </message>
    <message>
        <source>Chọn thủ tục trong danh sách gợi ý</source>
        <translation>Choose a procedure from the suggestions</translation>
    </message>
    <message>
        <source>Sang ô tiếp theo; ở ô cuối (nội dung yêu cầu): lưu</source>
        <translation>Next field; in the last field (request): save</translation>
    </message>
    <message>
        <source>Bật/tắt «Người nộp khác chủ hồ sơ»</source>
        <translation>Turn «Submitted by someone else» on/off</translation>
    </message>
    <message>
        <source>Thời điểm tiếp nhận (mặc định bây giờ; hồ sơ giấy nhập sau: gõ giờ:phút ngày/tháng/năm; trước ngày làm việc hiện tại cần lý do và giám sát viên đăng nhập)</source>
        <translation>Time received (now by default; a paper dossier entered later: type hour:minute day/month/year; before the current working day needs a reason and a signed-in supervisor)</translation>
    </message>
    <message>
        <source>Lưu hồ sơ và xem giấy tiếp nhận</source>
        <translation>Save the dossier and view the receipt slip</translation>
    </message>
    <message>
        <source>Hồ sơ mới (xóa biểu mẫu; hỏi lại nếu đang nhập dở)</source>
        <translation>New dossier (clears the form; asks first if it is not finished)</translation>
    </message>
    <message>
        <source>Số (0–9)</source>
        <translation>Digit (0–9)</translation>
    </message>
    <message>
        <source>Trong bảng thành phần hồ sơ: gõ số bản (0: không nộp, không in lên giấy tiếp nhận)</source>
        <translation>In the papers table: type the number of copies (0: not handed in, not printed on the receipt slip)</translation>
    </message>
    <message>
        <source>Trong bảng thành phần hồ sơ: tăng / giảm số bản của ô đang chọn</source>
        <translation>In the papers table: more / fewer copies in the chosen cell</translation>
    </message>
    <message>
        <source>Trong bảng thành phần hồ sơ: sang giấy tờ / cột khác (kể cả ngay sau khi gõ số)</source>
        <translation>In the papers table: to another paper / column (even right after typing a digit)</translation>
    </message>
    <message>
        <source>Chọn xã/phường trong danh sách gợi ý (mặc định: xã/phường của quầy)</source>
        <translation>Choose the commune/ward from the suggestions (default: the desk&apos;s commune/ward)</translation>
    </message>
    <message>
        <source>Quét QR căn cước</source>
        <translation>Scan the ID card&apos;s QR code</translation>
    </message>
    <message>
        <source>Điền họ tên, số CCCD, ngày sinh, giới tính, địa chỉ</source>
        <translation>Fills in the name, ID card number, date of birth, gender, address</translation>
    </message>
    <message>
        <source>Không tiếp nhận mà hướng dẫn bổ sung, hoàn thiện hồ sơ (Mẫu 02, không cấp mã hồ sơ)</source>
        <translation>Do not receive but give guidance to complete the dossier (Form 02, no dossier code given)</translation>
    </message>
    <message>
        <source>Từ chối tiếp nhận hồ sơ, ghi lý do (Mẫu 03)</source>
        <translation>Refuse to receive the dossier, with the reason (Form 03)</translation>
    </message>
    <message>
        <source>Hồ sơ đang mở: chuyển trạng thái (từ chối, rút, dừng… kèm lý do)</source>
        <translation>Open dossier: change the status (refused, withdrawn, stopped… with the reason)</translation>
    </message>
    <message>
        <source>Hồ sơ đang mở: yêu cầu bổ sung giấy tờ (Mẫu 02), tạm dừng thời hạn</source>
        <translation>Open dossier: request missing papers (Form 02), pausing the time limit</translation>
    </message>
    <message>
        <source>Hồ sơ đang mở: công dân đã bổ sung đủ, tính lại ngày hẹn trả</source>
        <translation>Open dossier: the citizen handed in the missing papers, recalculate the return date</translation>
    </message>
    <message>
        <source>Hồ sơ đang mở: xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)</source>
        <translation>Open dossier: apology and a new return date (Form 04)</translation>
    </message>
    <message>
        <source>Hồ sơ đang mở: giao hồ sơ cho / nhận kết quả từ cơ quan giải quyết (Mẫu 05)</source>
        <translation>Open dossier: hand the dossier to / receive the result from the processing agency (Form 05)</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Đăng nhập</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>&amp;Tên đăng nhập:</source>
        <translation>&amp;User name:</translation>
    </message>
    <message>
        <source>&amp;Mật khẩu:</source>
        <translation>&amp;Password:</translation>
    </message>
    <message>
        <source>Đăng nhập (Enter)</source>
        <translation>Sign in (Enter)</translation>
    </message>
    <message>
        <source>Hủy (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Hãy nhập tên đăng nhập.</source>
        <translation>Please type the user name.</translation>
    </message>
    <message>
        <source>«{username}» không phải giám sát viên: cần giám sát viên duyệt.</source>
        <translation>«{username}» is not a supervisor: a supervisor must approve.</translation>
    </message>
</context>
<context>
    <name>SlipPreviewDialog</name>
    <message>
        <source>Đang tạo {noun}…</source>
        <translation>Making the {noun}…</translation>
    </message>
    <message>
        <source>Lưu PDF (Ctrl+Shift+S)</source>
        <translation>Save a PDF (Ctrl+Shift+S)</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>Hồ sơ {code}: {noun} {count} trang (khổ {page_label}). Ctrl+P để in, Ctrl+Shift+S để lưu PDF, Esc để đóng.</source>
        <translation>Dossier {code}: {noun} {count} pages ({page_label}). Ctrl+P prints, Ctrl+Shift+S saves a PDF, Esc closes.</translation>
    </message>
    <message>
        <source>Không tạo được {noun}: {error_text} Hồ sơ đã được lưu; có thể in lại từ màn hình tra cứu.</source>
        <translation>The {noun} could not be made: {error_text} The dossier is saved; it can be reprinted from the Search screen.</translation>
    </message>
    <message>
        <source>Giấy tiếp nhận chưa tạo xong.</source>
        <translation>The receipt slip is not ready yet.</translation>
    </message>
    <message>
        <source>Đã lưu {noun} vào «{path}».</source>
        <translation>Saved the {noun} to «{path}».</translation>
    </message>
    <message>
        <source>Lưu {noun} thành tệp PDF</source>
        <translation>Save the {noun} as a PDF file</translation>
    </message>
    <message>
        <source>Tệp PDF (*.pdf)</source>
        <translation>PDF file (*.pdf)</translation>
    </message>
    <message>
        <source>Không lưu được tệp «{chosen}»: {value}.</source>
        <translation>The file «{chosen}» could not be saved: {value}.</translation>
    </message>
    <message>
        <source>Đang chuẩn bị bản in…</source>
        <translation>Preparing the print…</translation>
    </message>
    <message>
        <source>Đã gửi {noun} {code} tới máy in.</source>
        <translation>Sent the {noun} {code} to the printer.</translation>
    </message>
    <message>
        <source>Không in được: {error_text}</source>
        <translation>Could not print: {error_text}</translation>
    </message>
</context>
<context>
    <name>StepDialog</name>
    <message>
        <source>Chuyển trạng thái</source>
        <translation>Change the status</translation>
    </message>
    <message>
        <source>Chuyển sang «{label}»</source>
        <translation>Change to «{label}»</translation>
    </message>
    <message>
        <source>Chuyển sang:</source>
        <translation>Change to:</translation>
    </message>
    <message>
        <source>Lý do:</source>
        <translation>Reason:</translation>
    </message>
    <message>
        <source>Cơ quan giải quyết:</source>
        <translation>Processing agency:</translation>
    </message>
    <message>
        <source>Lý do (bắt buộc):</source>
        <translation>Reason (required):</translation>
    </message>
    <message>
        <source>Ghi chú:</source>
        <translation>Note:</translation>
    </message>
    <message>
        <source>Hồ sơ đang ở trạng thái cuối «{label}»: không chuyển tiếp được.</source>
        <translation>The dossier is in its final status «{label}»: it cannot move on.</translation>
    </message>
    <message>
        <source>Yêu cầu bổ sung giấy tờ bằng phím Ctrl+B (ghi các giấy tờ còn thiếu).</source>
        <translation>Request missing papers with Ctrl+B (list the papers still missing).</translation>
    </message>
</context>
<context>
    <name>SupplementDialog</name>
    <message>
        <source>Yêu cầu bổ sung giấy tờ</source>
        <translation>Request missing papers</translation>
    </message>
    <message>
        <source>Gõ số bản còn thiếu của từng giấy tờ (mũi tên để di chuyển, Tab để sang ô lý do).</source>
        <translation>Type the number of copies missing for each paper (arrows to move, Tab to the reason field).</translation>
    </message>
    <message>
        <source>Giấy tờ cần bổ sung:</source>
        <translation>Papers to add:</translation>
    </message>
    <message>
        <source>Lý do (bắt buộc):</source>
        <translation>Reason (required):</translation>
    </message>
    <message>
        <source>Hãy ghi số bản của ít nhất một giấy tờ cần bổ sung.</source>
        <translation>Write the number of copies of at least one missing paper.</translation>
    </message>
</context>
<context>
    <name>SyncScreen</name>
    <message>
        <source>Đang đọc tình trạng đồng bộ…</source>
        <translation>Reading the sync state…</translation>
    </message>
    <message>
        <source>Tình trạng:</source>
        <translation>State:</translation>
    </message>
    <message>
        <source>Máy chủ tỉnh:</source>
        <translation>Province server:</translation>
    </message>
    <message>
        <source>Thao tác chờ gửi:</source>
        <translation>Operations waiting:</translation>
    </message>
    <message>
        <source>Chờ lâu nhất:</source>
        <translation>Waiting longest:</translation>
    </message>
    <message>
        <source>Thành công gần nhất:</source>
        <translation>Last success:</translation>
    </message>
    <message>
        <source>Lần thử gần nhất:</source>
        <translation>Last attempt:</translation>
    </message>
    <message>
        <source>Lỗi gần nhất:</source>
        <translation>Last error:</translation>
    </message>
    <message>
        <source>Đồng hồ máy:</source>
        <translation>Machine clock:</translation>
    </message>
    <message>
        <source>Cần xem lại:</source>
        <translation>To review:</translation>
    </message>
    <message>
        <source>Cập nhật ứng dụng:</source>
        <translation>App update:</translation>
    </message>
    <message>
        <source>Đồng bộ ngay (F9)</source>
        <translation>Sync now (F9)</translation>
    </message>
    <message>
        <source>Đăng &amp;ký máy chủ…</source>
        <translation>En&amp;rol with a server…</translation>
    </message>
    <message>
        <source>Thao tác bị từ chối hoặc xung đột</source>
        <translation>Refused or conflicting operations</translation>
    </message>
    <message>
        <source>Nhật ký đồng bộ ({journal_limit} lần gần nhất)</source>
        <translation>Sync journal (last {journal_limit} sessions)</translation>
    </message>
    <message>
        <source>Mở màn hình đồng bộ</source>
        <translation>Open the Sync screen</translation>
    </message>
    <message>
        <source>Đồng bộ ngay với máy chủ tỉnh (ở mọi màn hình)</source>
        <translation>Sync with the province server now (from any screen)</translation>
    </message>
    <message>
        <source>Đăng ký quầy với máy chủ tỉnh</source>
        <translation>Enrol the desk with the province server</translation>
    </message>
    <message>
        <source>Enter / nhấp đúp</source>
        <translation>Enter / double-click</translation>
    </message>
    <message>
        <source>Trong bảng thao tác lỗi: mở hồ sơ liên quan</source>
        <translation>In the table of failed operations: open the dossier</translation>
    </message>
    <message>
        <source>Đang đồng bộ…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <source>Chưa đăng ký máy chủ tỉnh</source>
        <translation>Not enrolled with the province server</translation>
    </message>
    <message>
        <source>{pending} (chưa gửi được: quầy chưa đăng ký máy chủ tỉnh)</source>
        <translation>{pending} (not sent: the desk is not enrolled with the province server)</translation>
    </message>
    <message>
        <source>0 (đã gửi hết)</source>
        <translation>0 (all sent)</translation>
    </message>
    <message>
        <source>Không có</source>
        <translation>None</translation>
    </message>
    <message>
        <source>Đang dùng phiên bản {version}; tỉnh chưa phát hành phiên bản mới hơn.</source>
        <translation>Running version {version}; the province has released no newer version.</translation>
    </message>
    <message>
        <source>Chưa so với máy chủ</source>
        <translation>Not compared with the server yet</translation>
    </message>
    <message>
        <source>chậm</source>
        <translation>behind</translation>
    </message>
    <message>
        <source>nhanh</source>
        <translation>ahead</translation>
    </message>
    <message>
        <source>{direction} {skew_text} so với máy chủ</source>
        <translation>{skew_text} {direction} of the server</translation>
    </message>
    <message>
        <source>khớp với máy chủ</source>
        <translation>matches the server</translation>
    </message>
    <message>
        <source> — hãy chỉnh lại giờ máy (thời điểm tiếp nhận in trên phiếu lấy theo giờ máy)</source>
        <translation> — set this machine&apos;s clock right (the time received printed on slips comes from this clock)</translation>
    </message>
    <message>
        <source>{len} thao tác cần xem lại. Nhấp đúp (hoặc Enter) để mở hồ sơ.</source>
        <translation>{len} operations to review. Double-click (or Enter) opens the dossier.</translation>
    </message>
    <message>
        <source>Chưa đồng bộ lần nào.</source>
        <translation>Never synced.</translation>
    </message>
    <message>
        <source>Không đọc được danh sách: {error_text}</source>
        <translation>Could not read the list: {error_text}</translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <source>{count} phút</source>
        <translation>{count} min</translation>
    </message>
    <message>
        <source>{count} giờ</source>
        <translation>{count} h</translation>
    </message>
    <message>
        <source>{count} ngày</source>
        <translation>{count} days</translation>
    </message>
    <message>
        <source>Đồng hồ máy lệch {skew} so với máy chủ</source>
        <translation>This computer&apos;s clock is {skew} off the server&apos;s</translation>
    </message>
    <message>
        <source>Đồng bộ: chưa đăng ký máy chủ tỉnh</source>
        <translation>Sync: not enrolled with the province server</translation>
    </message>
    <message>
        <source>chờ gửi {count}</source>
        <translation>{count} waiting to send</translation>
    </message>
    <message>
        <source>lỗi — {error}</source>
        <translation>error — {error}</translation>
    </message>
    <message>
        <source> (cũ nhất {age})</source>
        <translation> (oldest {age})</translation>
    </message>
    <message>
        <source>đã gửi hết</source>
        <translation>all sent</translation>
    </message>
    <message>
        <source>lần cuối {moment}</source>
        <translation>last {moment}</translation>
    </message>
    <message>
        <source>chưa đồng bộ lần nào</source>
        <translation>never synced yet</translation>
    </message>
    <message>
        <source>{count} thao tác cần xem lại (F7)</source>
        <translation>{count} operations to review (F7)</translation>
    </message>
    <message>
        <source>đang đồng bộ…</source>
        <translation>syncing…</translation>
    </message>
    <message>
        <source>Đồng bộ:</source>
        <translation>Sync:</translation>
    </message>
</context>
<context>
    <name>SyncWorker</name>
    <message>
        <source>Phiên đồng bộ dừng vì ứng dụng đang đóng.</source>
        <translation>The sync session stopped because the application is closing.</translation>
    </message>
    <message>
        <source>Lỗi không mong đợi khi đồng bộ (chi tiết đã ghi vào nhật ký); sẽ thử lại.</source>
        <translation>Unexpected error while syncing (details are in the log); it will try again.</translation>
    </message>
</context>
<context>
    <name>TransferPanel</name>
    <message>
        <source>mã giao dịch trên biên nhận chuyển khoản của công dân</source>
        <translation>transaction code on the citizen&apos;s transfer confirmation</translation>
    </message>
    <message>
        <source>Ngân hàng:</source>
        <translation>Bank:</translation>
    </message>
    <message>
        <source>Số tài khoản:</source>
        <translation>Account number:</translation>
    </message>
    <message>
        <source>Chủ tài khoản:</source>
        <translation>Account holder:</translation>
    </message>
    <message>
        <source>Số tiền:</source>
        <translation>Amount:</translation>
    </message>
    <message>
        <source>Bằng chữ:</source>
        <translation>In words:</translation>
    </message>
    <message>
        <source>Nội dung chuyển khoản:</source>
        <translation>Transfer description:</translation>
    </message>
    <message>
        <source>&amp;Mã giao dịch ngân hàng:</source>
        <translation>Bank &amp;transaction code:</translation>
    </message>
    <message>
        <source>Công dân quét mã bằng ứng dụng ngân hàng; số tiền và nội dung đã điền sẵn, không sửa. Xem biên nhận trên điện thoại rồi chép mã giao dịch vào ô trên.</source>
        <translation>The citizen scans the code with a banking app; the amount and description are filled in, do not change them. Check the confirmation on the phone, then copy the transaction code into the field above.</translation>
    </message>
    <message>
        <source>Quét mã để chuyển đúng {format_vnd} đồng cho hồ sơ {dossier_code}.</source>
        <translation>Scan the code to transfer exactly {format_vnd} dong for dossier {dossier_code}.</translation>
    </message>
    <message>
        <source>{format_vnd} đồng</source>
        <translation>{format_vnd} dong</translation>
    </message>
</context>
<context>
    <name>UnitSettingsDialog</name>
    <message>
        <source>Thiết lập</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Đang đọc thiết lập…</source>
        <translation>Reading the settings…</translation>
    </message>
    <message>
        <source>Lưu (Enter ở ô cuối)</source>
        <translation>Save (Enter in the last field)</translation>
    </message>
    <message>
        <source>Đóng (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>Đơn vị {unit}. Enter chuyển sang ô tiếp theo; ở ô cuối, Enter lưu. Ctrl+Tab đổi thẻ. Esc để đóng (có thay đổi thì được hỏi trước).</source>
        <translation>Unit {unit}. Enter moves to the next field; in the last one, Enter saves. Ctrl+Tab changes tab. Esc closes (asking first if something changed).</translation>
    </message>
    <message>
        <source>&amp;1 Đơn vị</source>
        <translation>&amp;1 Unit</translation>
    </message>
    <message>
        <source>&amp;2 Máy này</source>
        <translation>&amp;2 This machine</translation>
    </message>
    <message>
        <source>Không đọc được thiết lập đơn vị: {error_text}</source>
        <translation>Could not read the office settings: {error_text}</translation>
    </message>
    <message>
        <source>Thư mục nhận bản quét</source>
        <translation>Scan inbox folder</translation>
    </message>
    <message>
        <source>Xã/phường: hãy chọn trong danh sách.</source>
        <translation>Commune/ward: choose from the list.</translation>
    </message>
    <message>
        <source>Đang lưu…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Bỏ các thay đổi?</source>
        <translation>Drop the changes?</translation>
    </message>
    <message>
        <source>Thiết lập đơn vị có thay đổi chưa lưu. Bỏ các thay đổi này?</source>
        <translation>The office settings have unsaved changes. Drop them?</translation>
    </message>
    <message>
        <source>Bỏ thay đổi</source>
        <translation>Drop the changes</translation>
    </message>
    <message>
        <source>Tiếp tục sửa (Esc)</source>
        <translation>Keep editing (Esc)</translation>
    </message>
</context>
<context>
    <name>UnitSettingsPage</name>
    <message>
        <source>Gõ tên xã/phường của đơn vị (không cần dấu), ví dụ: hai chau</source>
        <translation>Type the office&apos;s commune/ward name (accents optional), for example: hai chau</translation>
    </message>
    <message>
        <source>Địa danh ghi trước ngày tháng trên giấy, ví dụ: Hải Châu</source>
        <translation>Place name written before the date on papers, for example: Hải Châu</translation>
    </message>
    <message>
        <source>https://dichvucong.example.vn/tra-cuu?ma={code} (để trống: QR chỉ ghi mã)</source>
        <translation>https://dichvucong.example.vn/tra-cuu?ma={code} (empty: the QR holds only the code)</translation>
    </message>
    <message>
        <source>thư mục máy quét lưu bản quét vào, ví dụ D:\BanQuet</source>
        <translation>folder where the scanner saves its scans, for example D:\BanQuet</translation>
    </message>
    <message>
        <source>Chọn… (Ctrl+O)</source>
        <translation>Choose… (Ctrl+O)</translation>
    </message>
    <message>
        <source>Tên đơn &amp;vị:</source>
        <translation>Unit &amp;name:</translation>
    </message>
    <message>
        <source>&amp;Xã/phường:</source>
        <translation>&amp;Commune/ward:</translation>
    </message>
    <message>
        <source>Địa &amp;danh trên giấy:</source>
        <translation>&amp;Place on the slips:</translation>
    </message>
    <message>
        <source>Số &amp;quầy (1–9):</source>
        <translation>&amp;Desk (1–9):</translation>
    </message>
    <message>
        <source>Địa chỉ &amp;tra cứu (QR):</source>
        <translation>&amp;Lookup address (QR):</translation>
    </message>
    <message>
        <source>Tài khoản thu phí:</source>
        <translation>Fee account:</translation>
    </message>
    <message>
        <source>Máy &amp;in giấy tiếp nhận:</source>
        <translation>Slip print&amp;er:</translation>
    </message>
    <message>
        <source>Máy in là thiết lập riêng của máy tính này.</source>
        <translation>The printer is this computer&apos;s own setting.</translation>
    </message>
    <message>
        <source>Thư &amp;mục nhận bản quét:</source>
        <translation>&amp;Scan inbox folder:</translation>
    </message>
    <message>
        <source>Cũng là thiết lập riêng của máy này; đổi thư mục thì có hiệu lực ngay.</source>
        <translation>Also this machine&apos;s own setting; a new folder takes effect at once.</translation>
    </message>
</context>
<context>
    <name>WorklistScreen</name>
    <message>
        <source>Chọn danh sách: </source>
        <translation>Choose a list: </translation>
    </message>
    <message>
        <source>Mở hồ sơ đang chọn</source>
        <translation>Open the chosen dossier</translation>
    </message>
    <message>
        <source>Tải lại các danh sách</source>
        <translation>Reload the lists</translation>
    </message>
    <message>
        <source>{key_text} (danh sách «{label}»)</source>
        <translation>{key_text} (list «{label}»)</translation>
    </message>
    <message>
        <source>Không tải được danh sách: {error_text}</source>
        <translation>Could not load the list: {error_text}</translation>
    </message>
    <message>
        <source>{label}: {total} hồ sơ (hiện {len} hồ sơ hạn sớm nhất).</source>
        <translation>{label}: {total} dossiers (showing the {len} due soonest).</translation>
    </message>
    <message>
        <source>{label}: {total} hồ sơ.</source>
        <translation>{label}: {total} dossiers.</translation>
    </message>
    <message>
        <source>Chưa chọn hồ sơ nào trong danh sách.</source>
        <translation>No dossier chosen in the list.</translation>
    </message>
    <message>
        <source>«{label}» không áp dụng cho hồ sơ {code} đang ở trạng thái «{label2}».</source>
        <translation>«{label}» does not apply to dossier {code}, which is «{label2}».</translation>
    </message>
</context>
<context>
    <name>WorklistSteps</name>
    <message>
        <source>Đã lưu: hồ sơ {code}.</source>
        <translation>Saved: dossier {code}.</translation>
    </message>
    <message>
        <source>Hồ sơ {code}: {lower}.</source>
        <translation>Dossier {code}: {lower}.</translation>
    </message>
</context>
<context>
    <name>_LifecycleDialog</name>
    <message>
        <source>Thời điểm:</source>
        <translation>Time:</translation>
    </message>
    <message>
        <source>Lưu (Ctrl+Enter)</source>
        <translation>Save (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Hủy (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Trạng thái hiện tại: {label}; hẹn trả {column_datetime}</source>
        <translation>Current status: {label}; return date {column_datetime}</translation>
    </message>
    <message>
        <source>Đang lưu…</source>
        <translation>Saving…</translation>
    </message>
</context>
<context>
    <name>audit_warning</name>
    <message>
        <source>• … và {hidden} chỗ khác (xem đủ bằng lệnh «counter-app verify-audit»).</source>
        <translation>• … and {hidden} more places (see them all with «counter-app verify-audit»).</translation>
    </message>
    <message>
        <source>Quầy vẫn làm việc bình thường; cảnh báo này còn hiện ở thanh trạng thái (mở lại: {show_again_key}).</source>
        <translation>The counter keeps working normally; this warning stays in the status bar (open it again: {show_again_key}).</translation>
    </message>
    <message>
        <source>{title}: dòng {rows}</source>
        <translation>{title}: rows {rows}</translation>
    </message>
</context>
<context>
    <name>dossier_table</name>
    <message>
        <source>Mã hồ sơ</source>
        <translation>Dossier code</translation>
    </message>
    <message>
        <source>Chủ hồ sơ</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <source>Số giấy tờ</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>Điện thoại</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Thủ tục</source>
        <translation>Procedure</translation>
    </message>
    <message>
        <source>Trạng thái</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Tiếp nhận</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Hẹn trả</source>
        <translation>Return date</translation>
    </message>
    <message>
        <source>Quá hạn</source>
        <translation>Overdue</translation>
    </message>
</context>
<context>
    <name>dossier_view</name>
    <message>
        <source>Đang tải…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Tên giấy tờ</source>
        <translation>Paper</translation>
    </message>
    <message>
        <source>Bản chính</source>
        <translation>Original</translation>
    </message>
    <message>
        <source>Bản sao chứng thực</source>
        <translation>Certified copy</translation>
    </message>
    <message>
        <source>Bản photo</source>
        <translation>Photocopy</translation>
    </message>
    <message>
        <source>Thời gian</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Từ</source>
        <translation>From</translation>
    </message>
    <message>
        <source>Sang</source>
        <translation>To</translation>
    </message>
    <message>
        <source>Người thực hiện</source>
        <translation>Done by</translation>
    </message>
    <message>
        <source>Ghi chú</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Hẹn trả {column_datetime} → {column_datetime2}</source>
        <translation>Return date {column_datetime} → {column_datetime2}</translation>
    </message>
</context>
<context>
    <name>enroll_dialog</name>
    <message>
        <source> Hãy kiểm tra địa chỉ máy chủ tỉnh.</source>
        <translation> Check the province server&apos;s address.</translation>
    </message>
    <message>
        <source> Hãy kiểm tra địa chỉ và đường mạng, rồi thử lại.</source>
        <translation> Check the address and the network, then try again.</translation>
    </message>
</context>
<context>
    <name>fee_desk</name>
    <message>
        <source>Chưa biết số tiền của: {join}. Chưa thu được tiền của hồ sơ này.</source>
        <translation>Amount not known for: {join}. Nothing can be collected for this dossier yet.</translation>
    </message>
    <message>
        <source>Sắp hết số biên lai: quầy chỉ còn {left} số. Hãy đồng bộ (F9) hoặc đề nghị tỉnh cấp thêm quyển biên lai.</source>
        <translation>Receipt numbers running out: the desk has only {left} left. Sync (F9) or ask the province for another receipt book.</translation>
    </message>
    <message>
        <source>Số biên lai còn lại của quầy: {left}.</source>
        <translation>Receipt numbers left at this desk: {left}.</translation>
    </message>
    <message>
        <source>Các biên lai của hồ sơ đã thu nhiều hơn số phải nộp {amount}: phí, lệ phí đã được xác định lại sau khi thu. Hãy hủy biên lai (Ctrl+Shift+X, giám sát viên ký), trả lại tiền cho người nộp và thu lại đúng số phải nộp.</source>
        <translation>The receipts of this dossier collected {amount} more than is owed: its fees were assessed again after they were collected. Cancel the receipt (Ctrl+Shift+X, a supervisor signs), give the money back to the payer and collect the right amount again.</translation>
    </message>
    <message>
        <source> × {quantity} {escape}</source>
        <translation> × {quantity} {escape}</translation>
    </message>
    <message>
        <source>{escape}: chưa biết số tiền (do cơ quan giải quyết hoặc tỉnh quyết định)</source>
        <translation>{escape}: amount not known (set by the processing agency or the province)</translation>
    </message>
    <message>
        <source>Không còn khoản phí, lệ phí nào phải nộp.</source>
        <translation>No fees or charges left to pay.</translation>
    </message>
    <message>
        <source>Tổng các khoản đã biết số tiền</source>
        <translation>Total of the known amounts</translation>
    </message>
    <message>
        <source>Tổng</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>Phí: {format_dong} · Lệ phí: {format_dong2} · &lt;b&gt;{total}: {format_dong3}&lt;/b&gt;</source>
        <translation>Fee: {format_dong} · Charge: {format_dong2} · &lt;b&gt;{total}: {format_dong3}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;i&gt;Bằng chữ: {escape}&lt;/i&gt;</source>
        <translation>&lt;i&gt;In words: {escape}&lt;/i&gt;</translation>
    </message>
    <message>
        <source>&lt;b style=&apos;font-size:14pt&apos;&gt;{escape}&lt;/b&gt;&lt;br&gt;Chủ hồ sơ: &lt;b&gt;{escape2}&lt;/b&gt;&lt;br&gt;Thủ tục: {escape3} ({escape4})&lt;br&gt;Trạng thái: &lt;b&gt;{escape5}&lt;/b&gt;</source>
        <translation>&lt;b style=&apos;font-size:14pt&apos;&gt;{escape}&lt;/b&gt;&lt;br&gt;Applicant: &lt;b&gt;{escape2}&lt;/b&gt;&lt;br&gt;Procedure: {escape3} ({escape4})&lt;br&gt;Status: &lt;b&gt;{escape5}&lt;/b&gt;</translation>
    </message>
</context>
<context>
    <name>fees_screen</name>
    <message>
        <source>Gõ hoặc quét mã hồ sơ rồi nhấn Enter.</source>
        <translation>Type or scan the dossier code, then press Enter.</translation>
    </message>
    <message>
        <source>Đang tải hồ sơ…</source>
        <translation>Loading the dossier…</translation>
    </message>
    <message>
        <source>Đang lập biên lai…</source>
        <translation>Issuing the receipt…</translation>
    </message>
</context>
<context>
    <name>fees_today</name>
    <message>
        <source>Đang tải biên lai trong ngày…</source>
        <translation>Loading today&apos;s receipts…</translation>
    </message>
    <message>
        <source>{label}: {count} biên lai — phí {format_vnd}, lệ phí {format_vnd2}, cộng {format_vnd3} đồng</source>
        <translation>{label}: {count} receipts — fees {format_vnd}, charges {format_vnd2}, total {format_vnd3} dong</translation>
    </message>
    <message>
        <source>Tổng cộng</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>Đã hủy: {len} biên lai (không tính vào tổng).</source>
        <translation>Cancelled: {len} receipts (not in the totals).</translation>
    </message>
    <message>
        <source>Ngày đã khóa sổ lúc {office_datetime} ({clerk}).</source>
        <translation>Day closed at {office_datetime} ({clerk}).</translation>
    </message>
</context>
<context>
    <name>intake_screen</name>
    <message>
        <source>Hẹn trả: chọn thủ tục để tính ngày hẹn trả</source>
        <translation>Return date: choose a procedure to calculate it</translation>
    </message>
    <message>
        <source>Hẹn trả: {due_wording}</source>
        <translation>Return date: {due_wording}</translation>
    </message>
    <message>
        <source>Hồ sơ đang nhập chưa được lưu. Lưu hồ sơ này trước khi {action}?</source>
        <translation>The dossier being typed is not saved. Save it before you {action}?</translation>
    </message>
    <message>
        <source>Lưu hồ sơ</source>
        <translation>Save the dossier</translation>
    </message>
    <message>
        <source>Bỏ, không lưu</source>
        <translation>Drop it, do not save</translation>
    </message>
    <message>
        <source>Tiếp tục nhập (Esc)</source>
        <translation>Keep typing (Esc)</translation>
    </message>
    <message>
        <source>Đúng, tên không dấu</source>
        <translation>Yes, the name has no accents</translation>
    </message>
    <message>
        <source>Sửa lại (Esc)</source>
        <translation>Correct it (Esc)</translation>
    </message>
</context>
<context>
    <name>machine_settings_panel</name>
    <message>
        <source>Đường dẫn thư mục dài quá {max_text} ký tự.</source>
        <translation>The folder path is longer than {max_text} characters.</translation>
    </message>
    <message>
        <source>«{value}» chưa phải đường dẫn đầy đủ (ví dụ E:\SaoLuu hoặc /media/usb/sao-luu).</source>
        <translation>«{value}» is not a full path (for example E:\SaoLuu or /media/usb/sao-luu).</translation>
    </message>
    <message>
        <source>Không đọc được thư mục «{value}» (tên quá dài, hoặc ổ đĩa/thư mục mạng không truy cập được). Hãy chọn thư mục khác.</source>
        <translation>Cannot read the folder «{value}» (the name is too long, or the drive or network folder cannot be reached). Choose another folder.</translation>
    </message>
    <message>
        <source>«{value}» là một tệp, không phải thư mục.</source>
        <translation>«{value}» is a file, not a folder.</translation>
    </message>
    <message>
        <source>Không thấy thư mục «{value}» (chưa cắm USB, hoặc thư mục chưa được tạo). Hãy cắm ổ/tạo thư mục rồi lưu lại, hoặc để trống để dùng thư mục mặc định.</source>
        <translation>Folder «{value}» not found (USB drive not plugged in, or the folder not created). Plug in the drive/create the folder and save again, or leave it empty for the default folder.</translation>
    </message>
    <message>
        <source>Máy này không ghi được vào thư mục «{value}» (không có quyền, hoặc ổ chỉ đọc). Hãy chọn thư mục khác.</source>
        <translation>This machine cannot write to folder «{value}» (no permission, or a read-only drive). Choose another folder.</translation>
    </message>
    <message>
        <source>Quầy đã đăng ký với máy chủ tỉnh: không để trống địa chỉ máy chủ (đang dùng {enrolled_url}).</source>
        <translation>The desk is enrolled with the province server: the server address cannot be empty (in use: {enrolled_url}).</translation>
    </message>
    <message>
        <source>Máy chủ tỉnh</source>
        <translation>Province server</translation>
    </message>
    <message>
        <source>Chu kỳ đồng bộ phải từ {min_sync_interval_minutes} đến {max_sync_interval_minutes} phút.</source>
        <translation>The sync interval must be from {min_sync_interval_minutes} to {max_sync_interval_minutes} minutes.</translation>
    </message>
    <message>
        <source>Chu kỳ đồng bộ</source>
        <translation>Sync interval</translation>
    </message>
    <message>
        <source>Số ngày giữ thao tác đã đồng bộ phải từ {low} đến {high}.</source>
        <translation>Synced operations are kept from {low} to {high} days.</translation>
    </message>
    <message>
        <source>Giữ thao tác đã đồng bộ</source>
        <translation>Keep synced operations</translation>
    </message>
</context>
<context>
    <name>main_window</name>
    <message>
        <source>Không mở được dữ liệu của quầy</source>
        <translation>The counter&apos;s data could not be opened</translation>
    </message>
    <message>
        <source>Không thấy dữ liệu của quầy</source>
        <translation>The counter&apos;s data was not found</translation>
    </message>
    <message>
        <source>Dữ liệu của quầy bị hỏng</source>
        <translation>The counter&apos;s data is damaged</translation>
    </message>
</context>
<context>
    <name>moment_field</name>
    <message>
        <source>{label} «{shown}» không đúng dạng giờ:phút ngày/tháng/năm (ví dụ 14:30 09/03/2026).</source>
        <translation>{label} «{shown}» is not in the form hour:minute day/month/year (for example 14:30 09/03/2026).</translation>
    </message>
</context>
<context>
    <name>outcome_dialogs</name>
    <message>
        <source>Hướng dẫn bổ sung, hoàn thiện hồ sơ (Mẫu 02)</source>
        <translation>Guidance to complete the dossier (Form 02)</translation>
    </message>
    <message>
        <source>Lý do yêu cầu bổ sung, hoàn thiện (in trên Mẫu 02; không cấp mã hồ sơ):</source>
        <translation>Reason for asking to complete the dossier (printed on Form 02; no dossier code given):</translation>
    </message>
    <message>
        <source>Lưu và in Mẫu 02</source>
        <translation>Save and print Form 02</translation>
    </message>
    <message>
        <source>Từ chối tiếp nhận hồ sơ (Mẫu 03)</source>
        <translation>Refuse to receive the dossier (Form 03)</translation>
    </message>
    <message>
        <source>Lý do từ chối tiếp nhận (in trên Mẫu 03; hồ sơ được cấp mã ở trạng thái «Không được tiếp nhận»):</source>
        <translation>Reason for refusing (printed on Form 03; the dossier gets a code with the status «Not received»):</translation>
    </message>
    <message>
        <source>Từ chối và in Mẫu 03</source>
        <translation>Refuse and print Form 03</translation>
    </message>
</context>
<context>
    <name>receipt_list</name>
    <message>
        <source>Số biên lai</source>
        <translation>Receipt no.</translation>
    </message>
    <message>
        <source>Thời gian</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Số tiền</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Hình thức</source>
        <translation>Method</translation>
    </message>
    <message>
        <source>Trạng thái</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Mã hồ sơ</source>
        <translation>Dossier code</translation>
    </message>
    <message>
        <source>Người nộp</source>
        <translation>Submitted by</translation>
    </message>
</context>
<context>
    <name>report_chart</name>
    <message>
        <source>Hồ sơ tiếp nhận theo ngày</source>
        <translation>Dossiers received per day</translation>
    </message>
    <message>
        <source>Tỷ lệ giải quyết trước hạn, đúng hạn theo ngày</source>
        <translation>Share settled early or on time, per day</translation>
    </message>
</context>
<context>
    <name>report_tables</name>
    <message>
        <source>{rate_percent} (chưa có số liệu)</source>
        <translation>{rate_percent} (no figures yet)</translation>
    </message>
    <message>
        <source>Chỉ số QĐ 766</source>
        <translation>Decision 766 indicators</translation>
    </message>
</context>
<context>
    <name>reports_screen</name>
    <message>
        <source>báo cáo ngày</source>
        <translation>daily report</translation>
    </message>
    <message>
        <source>sổ theo dõi hồ sơ</source>
        <translation>dossier register</translation>
    </message>
    <message>
        <source>chỉ số QĐ 766</source>
        <translation>Decision 766 indicators</translation>
    </message>
    <message>
        <source>Tệp PDF (*.pdf)</source>
        <translation>PDF file (*.pdf)</translation>
    </message>
    <message>
        <source>Bảng tính Excel (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <source>Tệp CSV (*.csv)</source>
        <translation>CSV file (*.csv)</translation>
    </message>
    <message>
        <source>Đang lập {name}… (Esc để hủy)</source>
        <translation>Making the {name}… (Esc cancels)</translation>
    </message>
    <message>
        <source>Đã hủy lập báo cáo; không có số liệu nào được hiển thị.</source>
        <translation>Report cancelled; no figures are shown.</translation>
    </message>
    <message>
        <source>Chưa có báo cáo để xuất: hãy lập báo cáo trước (Ctrl+R).</source>
        <translation>No report to export yet: make the report first (Ctrl+R).</translation>
    </message>
    <message>
        <source>thư mục đã chọn không tồn tại</source>
        <translation>the chosen folder does not exist</translation>
    </message>
    <message>
        <source>không có quyền ghi vào thư mục đã chọn</source>
        <translation>no permission to write to the chosen folder</translation>
    </message>
    <message>
        <source>ổ đĩa đã đầy</source>
        <translation>the disk is full</translation>
    </message>
    <message>
        <source>lỗi ghi tệp của hệ điều hành (mã {errno})</source>
        <translation>the operating system could not write the file (code {errno})</translation>
    </message>
</context>
<context>
    <name>scan_inbox_watcher</name>
    <message>
        <source>Hãy ghi thư mục máy quét lưu bản quét vào.</source>
        <translation>Write the folder where the scanner saves its scans.</translation>
    </message>
    <message>
        <source>Đường dẫn thư mục dài quá {max_text} ký tự.</source>
        <translation>The folder path is longer than {max_text} characters.</translation>
    </message>
    <message>
        <source>«{value}» chưa phải đường dẫn đầy đủ (ví dụ D:\BanQuet hoặc /home/quay/ban-quet).</source>
        <translation>«{value}» is not a full path (for example D:\BanQuet or /home/quay/ban-quet).</translation>
    </message>
    <message>
        <source>«{value}» là một tệp, không phải thư mục.</source>
        <translation>«{value}» is a file, not a folder.</translation>
    </message>
    <message>
        <source>Không tạo được thư mục «{value}» (không có quyền, hoặc ổ đĩa/thư mục mạng không truy cập được).</source>
        <translation>Could not create folder «{value}» (no permission, or the drive/network folder cannot be reached).</translation>
    </message>
    <message>
        <source>Máy này không ghi được vào thư mục «{value}» (bản quét đã nhận được chuyển sang thư mục con _da_nhan).</source>
        <translation>This machine cannot write to folder «{value}» (scans taken in are moved to the sub-folder _da_nhan).</translation>
    </message>
    <message>
        <source>Đã số hóa giấy tờ số {index} của hồ sơ {code} ({pages} trang)</source>
        <translation>Paper no. {index} of dossier {code} scanned ({pages} pages)</translation>
    </message>
    <message>
        <source>Không số hóa được {path}: {message}</source>
        <translation>Could not scan {path}: {message}</translation>
    </message>
    <message>
        <source>{len} tệp trong thư mục quét chờ chọn hồ sơ (mở hồ sơ, chọn giấy tờ, Ctrl+I)</source>
        <translation>{len} files in the scan folder wait for a dossier (open the dossier, choose the paper, Ctrl+I)</translation>
    </message>
</context>
<context>
    <name>scan_panel</name>
    <message>
        <source>Giấy tờ</source>
        <translation>Paper</translation>
    </message>
    <message>
        <source>Trạng thái số hóa</source>
        <translation>Scanning state</translation>
    </message>
    <message>
        <source>Số trang</source>
        <translation>Pages</translation>
    </message>
    <message>
        <source>Bản quét (*.jpg *.jpeg *.png *.tif *.tiff *.pdf);;Mọi tệp (*)</source>
        <translation>Scans (*.jpg *.jpeg *.png *.tif *.tiff *.pdf);;All files (*)</translation>
    </message>
</context>
<context>
    <name>search_screen</name>
    <message>
        <source>Gõ mã hồ sơ, họ tên (có dấu hoặc không dấu), số giấy tờ hoặc số điện thoại để tìm.</source>
        <translation>Type a dossier code, a name (with or without accents), an ID number or a phone number to search.</translation>
    </message>
    <message>
        <source>Đang tìm…</source>
        <translation>Searching…</translation>
    </message>
    <message>
        <source>Không tìm thấy hồ sơ nào</source>
        <translation>No dossier found</translation>
    </message>
    <message>
        <source>Hôm nay chưa tiếp nhận hồ sơ nào. {hint}</source>
        <translation>No dossiers received today yet. {hint}</translation>
    </message>
    <message>
        <source>Hồ sơ tiếp nhận hôm nay: {count}. {hint}</source>
        <translation>Dossiers received today: {count}. {hint}</translation>
    </message>
    <message>
        <source>Tìm thấy {count} hồ sơ (chỉ hiện {result_limit} hồ sơ mới nhất; hãy gõ thêm để thu hẹp)</source>
        <translation>Found {count} dossiers (showing only the newest {result_limit}; type more to narrow it down)</translation>
    </message>
    <message>
        <source>Tìm thấy {count} hồ sơ</source>
        <translation>Found {count} dossiers</translation>
    </message>
</context>
<context>
    <name>slip_preview</name>
    <message>
        <source>Không mở được máy in.</source>
        <translation>Could not open the printer.</translation>
    </message>
</context>
<context>
    <name>sync_screen</name>
    <message>
        <source>STT thao tác</source>
        <translation>Operation no.</translation>
    </message>
    <message>
        <source>Thao tác</source>
        <translation>Operation</translation>
    </message>
    <message>
        <source>Mã hồ sơ</source>
        <translation>Dossier code</translation>
    </message>
    <message>
        <source>Tình trạng</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Mã lỗi</source>
        <translation>Error code</translation>
    </message>
    <message>
        <source>Lý do của máy chủ tỉnh</source>
        <translation>The province server&apos;s reason</translation>
    </message>
    <message>
        <source>Thời điểm</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Không có thao tác nào bị từ chối hoặc xung đột.</source>
        <translation>No operation was refused or in conflict.</translation>
    </message>
    <message>
        <source>{seconds_datetime} · {outcome} · gửi {pushed}, nhận {pulled}, từ chối {rejected}, xung đột {conflicts}, tệp {blobs_uploaded} · đi {size_text}, về {size_text2}</source>
        <translation>{seconds_datetime} · {outcome} · sent {pushed}, received {pulled}, refused {rejected}, conflicts {conflicts}, files {blobs_uploaded} · up {size_text}, down {size_text2}</translation>
    </message>
</context>
<context>
    <name>sync_worker</name>
    <message>
        <source>vừa xong</source>
        <translation>just now</translation>
    </message>
    <message>
        <source>{value} giây</source>
        <translation>{value} s</translation>
    </message>
    <message>
        <source>{round} phút</source>
        <translation>{round} min</translation>
    </message>
    <message>
        <source>{hours} giờ</source>
        <translation>{hours} h</translation>
    </message>
    <message>
        <source> {minutes} phút</source>
        <translation> {minutes} min</translation>
    </message>
    <message>
        <source>{value} ngày</source>
        <translation>{value} days</translation>
    </message>
    <message>
        <source>Một phiên đồng bộ khác đang chạy (lệnh counter-app sync?); kết quả sẽ hiện khi phiên đó xong.</source>
        <translation>Another sync session is running (the counter-app sync command?); the result shows when it ends.</translation>
    </message>
    <message>
        <source>Chưa đồng bộ được: {error}</source>
        <translation>Not synced: {error}</translation>
    </message>
    <message>
        <source>không kết nối được máy chủ tỉnh</source>
        <translation>cannot reach the province server</translation>
    </message>
    <message>
        <source>Chưa đồng bộ được: {reasons}. Hồ sơ vẫn lưu an toàn tại quầy và sẽ được gửi lại tự động.</source>
        <translation>Not synced: {reasons}. The dossiers stay safe at the desk and will be sent again automatically.</translation>
    </message>
    <message>
        <source>Đã đồng bộ xong: gửi {pushed} thao tác, nhận {pulled} cập nhật.</source>
        <translation>Sync done: {pushed} operations sent, {pulled} updates received.</translation>
    </message>
</context>
<context>
    <name>unit_settings_dialog</name>
    <message>
        <source>Chỉ giám sát viên đã đăng nhập mới đổi được thiết lập đơn vị. Hãy đăng nhập (Ctrl+L).</source>
        <translation>Only a signed-in supervisor can change the office settings. Sign in (Ctrl+L).</translation>
    </message>
    <message>
        <source>Chỉ giám sát viên mới đổi được thiết lập đơn vị (tên, địa chỉ, số quầy, địa chỉ tra cứu, máy in); tài khoản «{username}» là {lower}. Hãy nhờ giám sát viên đăng nhập (Ctrl+L).</source>
        <translation>Only a supervisor can change the office settings (name, address, desk number, lookup address, printers); account «{username}» is {lower}. Ask a supervisor to sign in (Ctrl+L).</translation>
    </message>
</context>
<context>
    <name>unit_settings_page</name>
    <message>
        <source> Đặt bằng «counter-app setup … --bank-bin … --bank-account … --bank-account-name …».</source>
        <translation> Set it with «counter-app setup … --bank-bin … --bank-account … --bank-account-name …».</translation>
    </message>
</context>
<context>
    <name>worklist_screen</name>
    <message>
        <source>Đang tải danh sách…</source>
        <translation>Loading the lists…</translation>
    </message>
    <message>
        <source>Enter: mở hồ sơ</source>
        <translation>Enter: open the dossier</translation>
    </message>
    <message>
        <source>{list_keys}: chọn danh sách</source>
        <translation>{list_keys}: choose a list</translation>
    </message>
    <message>
        <source>Ctrl+R: tải lại</source>
        <translation>Ctrl+R: reload</translation>
    </message>
    <message>
        <source>Không có hồ sơ nào trong danh sách «{label}».</source>
        <translation>No dossiers in list «{label}».</translation>
    </message>
</context>
</TS>
