"""installer/server/nginx-provincial-server.conf in a real nginx on 127.0.0.1, in front of a real server.

The shipped file is used as it is, with only the addresses, ports and certificate paths of this machine
put in (each replacement must apply, so the test notices when the file changes shape).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from sync.protocol import Limits
from tests.sync.harness import ServerProcess, free_port, new_unit

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "installer" / "server" / "nginx-provincial-server.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(NGINX is None, reason="cần nginx (gói nginx-light; installer/dev-setup.sh cài nó)")]


@dataclass
class Proxy:
    https: str
    http: str
    certificate: Path
    enrollment_code: str  # of a fresh unit on the server behind


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is no longer in {SITE.name}"
    return text.replace(old, new)


def _site(folder: Path, server_port: int, http_port: int, https_port: int) -> Path:
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(certificate), "-days", "1", "-subj", "/CN=sync.example.gov.vn",
                    "-addext", "subjectAltName=DNS:sync.example.gov.vn,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    text = SITE.read_text(encoding="utf-8")
    text = _replace(text, "server 127.0.0.1:8740;", f"server 127.0.0.1:{server_port};")
    text = _replace(text, "    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n")
    text = _replace(text, "    listen 443 ssl;\n    listen [::]:443 ssl;\n", f"    listen 127.0.0.1:{https_port} ssl;\n")
    text = _replace(text, "/etc/letsencrypt/live/sync.example.gov.vn/fullchain.pem", str(certificate))
    text = _replace(text, "/etc/letsencrypt/live/sync.example.gov.vn/privkey.pem", str(key))
    site = folder / "site.conf"
    site.write_text(text, encoding="utf-8")
    main = folder / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # root's workers would otherwise drop to nobody
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main.write_text(f"""{user}daemon off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temp}
    include {site};
}}
""", encoding="utf-8")
    return main


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else "nginx exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("nginx did not start")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    folder = tmp_path_factory.mktemp("nginx")
    with ServerProcess(f"sqlite:///{folder / 'server.sqlite'}") as server:
        http_port, https_port = free_port(), free_port()
        config = _site(folder, server.port, http_port, https_port)
        checked = subprocess.run([NGINX, "-t", "-c", str(config), "-p", str(folder)], capture_output=True, text=True,
                                 timeout=60)
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen([NGINX, "-c", str(config), "-p", str(folder)], stderr=subprocess.PIPE, text=True)
        try:
            _wait_for_port(https_port, process)
            yield Proxy(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", folder / "cert.pem",
                        new_unit(server)[1])
        finally:
            process.terminate()
            process.wait(30)


def test_a_request_reaches_the_server_over_tls_and_plain_http_is_sent_to_https(proxy: Proxy) -> None:
    answer = requests.get(f"{proxy.https}/api/v1/health", verify=proxy.certificate, timeout=30)
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "nginx/" not in answer.headers.get("Server", "")  # server_tokens off
    plain = requests.get(f"{proxy.http}/api/v1/health", allow_redirects=False, timeout=30)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    assert requests.get(f"{proxy.https}/", verify=proxy.certificate, timeout=30).status_code == 404


def test_nginx_holds_bodies_to_the_servers_own_cap_and_refuses_in_its_words(proxy: Proxy) -> None:
    limit = Limits().max_body_bytes
    assert f"client_max_body_size {limit};" in SITE.read_text(encoding="utf-8")
    enrolled = requests.post(f"{proxy.https}/api/v1/enroll", json={"code": proxy.enrollment_code}, verify=proxy.certificate,
                             timeout=60)
    assert enrolled.status_code == 200, enrolled.text
    device = {"Authorization": f"Bearer {enrolled.json()['token']}", "Content-Type": "application/json"}
    # At the cap: nginx passes it on and the server reads it all (then finds it is no JSON: its own 400).
    at_cap = requests.post(f"{proxy.https}/api/v1/sync/push", data=b"x" * limit, verify=proxy.certificate,
                           headers=device, timeout=60)
    assert at_cap.status_code == 400
    assert at_cap.json()["error"]["code"] == "invalid_json"
    # One byte over: nginx refuses before the server sees it, in the server's shape and words, every time
    # (a larger nginx cap raced with the server's early 413 and the counter got 502).
    over = requests.post(f"{proxy.https}/api/v1/sync/push", data=b"x" * (limit + 1), verify=proxy.certificate,
                         headers=device, timeout=60)
    assert over.status_code == 413
    assert over.json() == {"error": {"code": "body_too_large",
                                     "message": "Gói dữ liệu vượt 8 MB; quầy sẽ chia nhỏ và gửi lại."}}
