"""The crash-safety test's victim: records dossiers, status changes and receipts in a loop, until killed.

Run as its own process on a counter already set up (tests/storage/test_crash_safety.py prepares it):
    python tests/support/record_loop.py DATA_DIR
Each operation goes through the real services on the real file and, once its transaction has committed,
prints one line `done <kind> <id>` (kind: dossier, status, receipt) and flushes it, so the test knows what
the app had reported as saved when the SIGKILL lands. It never stops by itself.
"""

from __future__ import annotations

import sys
from itertools import count
from pathlib import Path

from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.receipts import collect_fee
from counter_app.storage.database import Database

FEE_PROCEDURE = "2.000884"  # chứng thực chữ ký: owes 10.000 đồng, so every dossier can take a receipt
CLERK = "mai"


def done(kind: str, ident: str) -> None:
    print(f"done {kind} {ident}", flush=True)


def main(data_dir: Path) -> None:
    db = Database.open(data_dir)
    print("ready", flush=True)
    for n in count(1):
        dossier = receive_dossier(db, IntakeRequest(FEE_PROCEDURE, PersonInput(
            full_name=f"Nguyễn Thị Hạnh {n}", id_number=f"0491900{n:05d}", phone="0905123456", street="12 Lê Lợi"),
            clerk_username=CLERK))
        done("dossier", dossier.code)
        receipt = collect_fee(db, dossier.code, method="cash", by=CLERK)
        done("receipt", receipt.id)
        change_status(db, dossier.code, Status.PROCESSING, note="Chuyển phòng chuyên môn", clerk_username=CLERK)
        done("status", dossier.code)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
