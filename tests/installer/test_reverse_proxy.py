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
from tests.sync.harness import ServerProcess, free_port

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
            yield Proxy(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", folder / "cert.pem")
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


def test_nginx_lets_through_what_the_server_refuses_itself_and_stops_what_is_far_larger(proxy: Proxy) -> None:
    limit = Limits().max_body_bytes
    # Just over the server's own cap: nginx passes it on and the server answers in Vietnamese JSON.
    over = requests.post(f"{proxy.https}/api/v1/enroll", data=b"x" * (limit + 1), verify=proxy.certificate,
                         headers={"Content-Type": "application/json"}, timeout=60)
    assert over.status_code == 413
    assert any(letter in over.json()["error"]["message"] for letter in "ạảấầẩẫậắằẳẵặđếềểễệịốồổỗộớờởỡợụủứừửữự")
    # Well past it: nginx stops the body at the edge (client_max_body_size), the server never sees it.
    far = requests.post(f"{proxy.https}/api/v1/enroll", data=b"x" * (limit + 2_000_000), verify=proxy.certificate,
                        headers={"Content-Type": "application/json"}, timeout=60)
    assert far.status_code == 413
    assert "application/json" not in far.headers.get("Content-Type", "")
