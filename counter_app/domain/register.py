"""The register of received dossiers (Sổ theo dõi hồ sơ): which book and which number a dossier has.

Mẫu 01 says "Vào Sổ theo dõi hồ sơ, Quyển số …, Số thứ tự …". Numbers run per unit and per year, but
the desks of one unit work offline and cannot share one counter, so each desk keeps its own book per
year: book "01/2026" is desk slot 1's book of 2026, and its numbers run 1, 2, 3 … in that book. A
(book, number) pair is therefore unique in the unit without any desk asking another; the counter
database allocates the number atomically and the server refuses a book that is not the sending
desk's (sync.server.op_checks). docs/papers-and-slip.md.

Pure Python.
"""

from __future__ import annotations

import re
from datetime import datetime

from counter_app.domain.codes import office_day

BOOK_PATTERN = r"\d{2}/\d{4}"
BOOK_RE = re.compile(BOOK_PATTERN)
MAX_REGISTER_NUMBER = 9_999_999  # 999 dossiers a day per desk (codes' limit) × 366 days fits easily


def register_book(desk_slot: int, received_at: datetime) -> str:
    """ "01/2026": the book of desk slot 1 for the office year in which the dossier was received."""
    return f"{desk_slot:02d}/{office_day(received_at).year}"
