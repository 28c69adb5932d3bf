; Windows installer of the counter app (NSIS 3, Unicode, Vietnamese pages), over the PyInstaller bundle
; dist\counter-app\ built on Windows (installer/build-windows.ps1) or under Wine (docs/installer.md).
;
;   makensis -DVERSION=0.1.0 installer\windows\counter-app.nsi
;       -DBUNDLE_DIR=...  the bundle folder (default ..\..\dist\counter-app)
;       -DOUT_FILE=...    the installer (default ..\..\dist\counter-app-<version>-windows-x86_64-setup.exe)
;
; Installs for all users into Program Files; Start-menu and desktop shortcuts; an uninstaller listed in
; Add/Remove Programs. The clerk's data (%LOCALAPPDATA%\VNPost\counter-app, counter_app/paths.py) is
; never touched: not by an upgrade, not by the uninstaller.
;
; Silent, for the province's IT and for the app's own updater (docs/updates.md):
;   counter-app-<version>-windows-x86_64-setup.exe /S [/RESTART] [/D=C:\Program Files\VNPost\counter-app]
; /D= must come last and without quotes (NSIS's rule). /RESTART opens the app again once installed, as
; the signed-in user rather than as the administrator who installed it.

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel admin

!ifndef VERSION
  !error "Cần -DVERSION=x.y.z (phiên bản trong counter_app/__init__.py)"
!endif
!define /ifndef BUNDLE_DIR "..\..\dist\counter-app"
!define /ifndef OUT_FILE "..\..\dist\counter-app-${VERSION}-windows-x86_64-setup.exe"
!define APP_ID "counter-app"
!define APP_EXE "counter-app.exe"
!define DEBUG_EXE "counter-app-debug.exe"
!define PUBLISHER "Tổng công ty Bưu điện Việt Nam (VNPost)"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

Name "Quầy một cửa"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\VNPost\${APP_ID}"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "Quầy một cửa ${VERSION}"

VIProductVersion "${VERSION}.0"
VIFileVersion "${VERSION}.0"
VIAddVersionKey /LANG=1066 "ProductName" "Quầy một cửa"
VIAddVersionKey /LANG=1066 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1066 "FileDescription" "Bộ cài Quầy một cửa"
VIAddVersionKey /LANG=1066 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1066 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1066 "LegalCopyright" "${PUBLISHER}"

; -- pages ---------------------------------------------------------------------------------------------
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_TEXT "$(FINISH_TEXT)"
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "$(FINISH_RUN)"
!define MUI_FINISHPAGE_RUN_FUNCTION OpenAppAsUser
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!define MUI_UNCONFIRMPAGE_TEXT_TOP "$(UNINSTALL_CONFIRM)"
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "Vietnamese"
!include "strings-vi.nsh"

; -- install -------------------------------------------------------------------------------------------
Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Quầy một cửa cần Windows 64-bit." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function OpenAppAsUser
  ; Through Explorer, so the app runs as the signed-in clerk and not with the installer's admin rights
  ; (its data folder is the clerk's own %LOCALAPPDATA%).
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\${APP_EXE}"'
FunctionEnd

Section "Quầy một cửa" SecApp
  SectionIn RO
  ; The app must be closed: its files are in use while it runs. The updater closes it before starting us.
  retry:
  ClearErrors
  ${If} ${FileExists} "$INSTDIR\${APP_EXE}"
    FileOpen $0 "$INSTDIR\${APP_EXE}" a
    ${If} ${Errors}
      MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(APP_RUNNING)" /SD IDCANCEL IDRETRY retry
      Abort
    ${EndIf}
    FileClose $0
  ${EndIf}

  ; An upgrade replaces the whole bundle: a file the new version no longer ships must not linger.
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${BUNDLE_DIR}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\Quầy một cửa"
  CreateShortcut "$SMPROGRAMS\Quầy một cửa\$(SHORTCUT_APP).lnk" "$INSTDIR\${APP_EXE}"
  CreateShortcut "$SMPROGRAMS\Quầy một cửa\$(SHORTCUT_SELF_TEST).lnk" "$SYSDIR\cmd.exe" \
    '/k ""$INSTDIR\${DEBUG_EXE}" --self-test"' "$INSTDIR\${APP_EXE}"
  CreateShortcut "$SMPROGRAMS\Quầy một cửa\$(SHORTCUT_UNINSTALL).lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\$(SHORTCUT_APP).lnk" "$INSTDIR\${APP_EXE}"

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "Quầy một cửa"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" $0

  ; Silent install by the updater: open the app again afterwards.
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/RESTART" $1
  ${IfNot} ${Errors}
    Call OpenAppAsUser
  ${EndIf}
SectionEnd

; -- uninstall -----------------------------------------------------------------------------------------
Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "Uninstall"
  ; Only what the installer put there; never a recursive delete of $INSTDIR itself (a folder chosen by
  ; hand may hold other files), and never the data folder in %LOCALAPPDATA%.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\${DEBUG_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  Delete "$SMPROGRAMS\Quầy một cửa\*.lnk"
  RMDir "$SMPROGRAMS\Quầy một cửa"
  Delete "$DESKTOP\$(SHORTCUT_APP).lnk"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DetailPrint "$(UNINSTALL_KEPT)"
SectionEnd
