"""The stored-push applier processes of `provincial-server serve` (sync/server/applier_process.py), against real
server processes: the applier is a process of its own, replaced when it dies, ended with its server, and kept
working by its wake port whatever arrives there."""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
from pathlib import Path

from tests.conftest import UNIT_CODE
from tests.sync.harness import ServerProcess
from tests.sync.test_inflight import wait_until
from tests.sync.test_stored_push import answer_of, prepared, server_counts, store
from tests.sync.test_wire_server import Desk


def _gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie waiting for its reaper counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def test_stored_batches_are_applied_in_a_process_of_their_own_replaced_when_it_dies(tmp_path: Path) -> None:
    """`serve` applies stored pushes in an applier process (sync/server/applier_process.py), never in the web
    process: a batch stored while the applier is frozen (SIGSTOP) waits, and is applied once it runs again. The
    applier killed (SIGKILL), the server starts another, which applies the next batch; the server stopped, its
    applier has ended before it; the server killed, its applier ends too."""
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        wait_until(lambda: len(process.applier_pids()) == 1, "the applier process runs", timeout=60)
        (first_applier,) = process.applier_pids()
        assert first_applier not in process.worker_pids()
        desk = Desk(process, tmp_path / "desk", 4, seed=16)
        _pusher, (frozen, after_kill) = prepared(desk, 2)
        assert frozen.body is not None and after_kill.body is not None
        os.kill(first_applier, signal.SIGSTOP)
        try:
            assert store(desk, frozen.batch_id, frozen.body.data, frozen.body.headers).status_code == 202
            time.sleep(1)  # the web process would have applied it in milliseconds
            waiting = desk.transport.request("GET", f"/sync/inbox/{frozen.batch_id}")
            assert waiting.status_code == 202, waiting.text
        finally:
            os.kill(first_applier, signal.SIGCONT)
        assert answer_of(desk, frozen.batch_id).status_code == 200

        os.kill(first_applier, signal.SIGKILL)
        wait_until(lambda: bool(process.applier_pids()) and first_applier not in process.applier_pids(),
                   "the server starts a new applier process", timeout=60)
        assert store(desk, after_kill.batch_id, after_kill.body.data, after_kill.body.headers).status_code == 202
        assert answer_of(desk, after_kill.batch_id).status_code == 200
        assert server_counts(process, desk.device_id)[1] == 4
        (second_applier,) = process.applier_pids()
        process.stop()  # SIGTERM: the server stops its applier before it ends
        assert _gone(second_applier)
        process.start()
        wait_until(lambda: len(process.applier_pids()) == 1, "the restarted server's applier runs", timeout=60)
        (third_applier,) = process.applier_pids()
        assert process.process is not None
        os.kill(process.process.pid, signal.SIGKILL)
        wait_until(lambda: _gone(third_applier), "the applier ends with its killed server", timeout=30)
        desk.db.close()


def test_a_flood_of_datagrams_on_the_wake_port_does_not_keep_the_applier_from_working(tmp_path: Path) -> None:
    """Any local process can send to the appliers' wake port (127.0.0.1). While another process floods it with
    datagrams of every size (empty, garbage, the largest UDP allows), batches stored meanwhile are still
    applied and answered; the applier neither dies nor stops, and it applies the next batch once the flood ends."""
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        wait_until(lambda: len(process.applier_pids()) == 1, "the applier process runs", timeout=60)
        (applier,) = process.applier_pids()
        desk = Desk(process, tmp_path / "desk", 6, seed=41)
        _pusher, batches = prepared(desk, 2)
        port, flooding, sent = process.wake_port(), threading.Event(), [0]

        def flood() -> None:
            noise = random.Random(41)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
                sender.setblocking(False)
                while not flooding.is_set():
                    size = noise.choice([0, 1, 64, 65, 1500, 65_507])
                    try:
                        sender.sendto(noise.randbytes(size), ("127.0.0.1", port))
                        sent[0] += 1
                    except BlockingIOError:
                        time.sleep(0)  # the socket's buffer is full: the applier is behind, keep it so

        thread = threading.Thread(target=flood, daemon=True)
        thread.start()
        try:
            wait_until(lambda: sent[0] > 10_000, "the flood is under way", timeout=30)
            for batch in batches[:2]:
                assert batch.body is not None
                assert store(desk, batch.batch_id, batch.body.data, batch.body.headers).status_code == 202
                assert answer_of(desk, batch.batch_id, timeout=30).status_code == 200
            assert thread.is_alive()  # answered while the flood went on
        finally:
            flooding.set()
            thread.join(timeout=10)
        last = batches[2]
        assert last.body is not None
        assert store(desk, last.batch_id, last.body.data, last.body.headers).status_code == 202
        assert answer_of(desk, last.batch_id, timeout=30).status_code == 200
        assert process.applier_pids() == [applier] and server_counts(process, desk.device_id)[1] == 6
        desk.db.close()
