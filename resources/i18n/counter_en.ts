<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="vi">
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
        <source>Thiết lập</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Quầy một cửa — {unit} — Quầy {desk}</source>
        <translation>One-stop counter — {unit} — Desk {desk}</translation>
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
        <source>Đang lưu…</source>
        <translation>Saving…</translation>
    </message>
</context>
<context>
    <name>UnitSettingsPage</name>
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
</TS>
