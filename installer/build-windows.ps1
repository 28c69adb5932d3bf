# Build the Windows bundle and installer of the counter app on a Windows build machine (docs/installer.md):
#   dist\counter-app\                                     the one-folder bundle (counter-app.exe, counter-app-debug.exe)
#   dist\counter-app-<version>-windows-x86_64-setup.exe   the NSIS installer (silent: /S, part of updates)
# Needs Python 3.11 (64-bit) and NSIS 3 (makensis on PATH, or -MakeNsis C:\...\makensis.exe).
# Run from anywhere:  powershell -ExecutionPolicy Bypass -File installer\build-windows.ps1 [-Clean] [-Sign]
param(
    [switch]$Clean,
    [switch]$Sign,                 # signtool with the certificate named by $env:COUNTER_APP_SIGN_CERT (thumbprint)
    [string]$MakeNsis = "makensis"
)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

if (-not (Test-Path ".venv\Scripts\python.exe")) {
    py -3.11 -m venv .venv
}
$python = ".venv\Scripts\python.exe"
& $python -m pip install --quiet --upgrade pip
& $python -m pip install --quiet -e ".[build]"
if ($LASTEXITCODE -ne 0) { throw "Không cài được các gói để dựng bản cài." }

$version = (& $python -c "import counter_app; print(counter_app.__version__)").Trim()
$started = Get-Date
$pyiArgs = @("-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", "dist", "--workpath", "build\pyinstaller")
if ($Clean) { $pyiArgs += "--clean" }
& $python @pyiArgs "installer\counter-app.spec"
if ($LASTEXITCODE -ne 0) { throw "PyInstaller thất bại." }

# The bundle must pass its own checks before it is packed (the console twin prints the lines).
& "dist\counter-app\counter-app-debug.exe" --self-test
if ($LASTEXITCODE -ne 0) { throw "Bản đóng gói không qua được bước tự kiểm tra (--self-test)." }

function Sign-File([string]$path) {
    & signtool sign /sha1 $env:COUNTER_APP_SIGN_CERT /fd sha256 /tr http://timestamp.digicert.com /td sha256 $path
    if ($LASTEXITCODE -ne 0) { throw "Không ký được $path." }
}
if ($Sign) {
    Sign-File "dist\counter-app\counter-app.exe"
    Sign-File "dist\counter-app\counter-app-debug.exe"
}

$setup = "dist\counter-app-$version-windows-x86_64-setup.exe"
& $MakeNsis "/V2" "/WX" "/DVERSION=$version" "/DBUNDLE_DIR=$PWD\dist\counter-app" "/DOUT_FILE=$PWD\$setup" "installer\windows\counter-app.nsi"
if ($LASTEXITCODE -ne 0) { throw "makensis thất bại." }
if ($Sign) { Sign-File $setup }

$seconds = [math]::Round(((Get-Date) - $started).TotalSeconds, 1)
$size = (Get-Item $setup).Length
Write-Output "Đã dựng $setup ($([math]::Round($size / 1MB, 1)) MB) trong $seconds s."
