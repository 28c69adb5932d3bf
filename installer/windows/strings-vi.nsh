; The installer's own Vietnamese texts (MUI2's page texts come from NSIS's Vietnamese.nsh).
; Kept apart from counter-app.nsi so they can be read and corrected without touching the logic.

LangString SHORTCUT_APP ${LANG_VIETNAMESE} "Quầy một cửa"
LangString SHORTCUT_SELF_TEST ${LANG_VIETNAMESE} "Tự kiểm tra bản cài quầy một cửa"
LangString SHORTCUT_UNINSTALL ${LANG_VIETNAMESE} "Gỡ bỏ Quầy một cửa"
LangString FINISH_RUN ${LANG_VIETNAMESE} "Mở Quầy một cửa ngay"
LangString FINISH_TEXT ${LANG_VIETNAMESE} "Đã cài Quầy một cửa vào máy. Dữ liệu của quầy nằm riêng trong thư mục %LOCALAPPDATA%\VNPost\counter-app của người dùng và được giữ nguyên khi cài lại, nâng cấp hoặc gỡ bỏ ứng dụng."
LangString UNINSTALL_CONFIRM ${LANG_VIETNAMESE} "Gỡ bỏ chương trình Quầy một cửa khỏi máy này. Dữ liệu của quầy (hồ sơ, biên nhận, bản sao lưu) trong thư mục %LOCALAPPDATA%\VNPost\counter-app được GIỮ NGUYÊN: cài lại ứng dụng là dùng tiếp được. Muốn xoá dữ liệu, hãy hỏi bộ phận công nghệ thông tin của tỉnh trước."
LangString UNINSTALL_KEPT ${LANG_VIETNAMESE} "Đã gỡ bỏ Quầy một cửa. Dữ liệu của quầy vẫn còn trong %LOCALAPPDATA%\VNPost\counter-app."
LangString APP_RUNNING ${LANG_VIETNAMESE} "Quầy một cửa đang mở. Hãy đóng ứng dụng (dữ liệu đã lưu không mất) rồi bấm Thử lại; bấm Huỷ để dừng cài đặt, bản đang cài được giữ nguyên."
