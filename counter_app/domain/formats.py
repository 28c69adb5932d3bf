"""How a date or an instant is written for a person: one home for every office-time format.

Instants are stored in UTC and always shown on the office clock (Asia/Ho_Chi_Minh, `OFFICE_TZ`),
whatever the machine's own zone. Days are dd/mm/yyyy, hours 24-hour HH:MM, as Vietnamese papers
write them. A naive instant is taken as UTC, the way storage keeps it.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time

from counter_app.domain.dossier import OFFICE_TZ

# `office_datetime` in the pattern words of Qt's date-time editors ("08:05 03/02/2026").
QT_OFFICE_DATETIME = "HH:mm dd/MM/yyyy"
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def to_office(instant: datetime) -> datetime:
    """The instant on the office clock; a naive value is UTC. Kept as is when it cannot be converted
    (year 1 or 9999 overflow), so a message can still show what was typed."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    with contextlib.suppress(OverflowError):
        instant = instant.astimezone(OFFICE_TZ)
    return instant


def office_date(value: date | datetime) -> str:
    """'03/02/2026'; an instant gives its day on the office clock. The year is always four digits."""
    day = to_office(value) if isinstance(value, datetime) else value
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def office_hhmm(value: datetime | time) -> str:
    """'08:05': an instant on the office clock, or a time of day as it is."""
    moment = to_office(value) if isinstance(value, datetime) else value
    return f"{moment.hour:02d}:{moment.minute:02d}"


def office_datetime(instant: datetime) -> str:
    """'08:05 03/02/2026': an instant in a sentence, a message or a CLI line."""
    return f"{office_hhmm(instant)} {office_date(instant)}"


def column_datetime(instant: datetime) -> str:
    """'03/02/2026 08:05': the day first, for table columns and detail fields read down by day."""
    return f"{office_date(instant)} {office_hhmm(instant)}"


FILE_STAMP = "%Y%m%d-%H%M%S"


def file_stamp(instant: datetime) -> str:
    """'20260310-163000' in office time, for file names that sort by time (backups: storage/backup.py)."""
    return to_office(instant).strftime(FILE_STAMP)


def parse_file_stamp(text: str) -> datetime | None:
    """The office instant of a `file_stamp`, None if `text` is not one."""
    try:
        return datetime.strptime(text, FILE_STAMP).replace(tzinfo=OFFICE_TZ)
    except ValueError:
        return None


def seconds_datetime(instant: datetime | None) -> str:
    """'08:05:07 03/02/2026' for the sync journal, where seconds tell attempts apart; '—' for never."""
    if instant is None:
        return "—"
    local = to_office(instant)
    return f"{office_hhmm(local)}:{local.second:02d} {office_date(local)}"


def short_moment(instant: datetime | None, now: datetime) -> str:
    """'10:42' today, '10:42 05/06' another day, '—' never: a status bar's last success."""
    if instant is None:
        return "—"
    local = to_office(instant)
    if local.date() == to_office(now).date():
        return office_hhmm(local)
    return f"{office_hhmm(local)} {local.day:02d}/{local.month:02d}"


def clock_text(instant: datetime) -> str:
    """'08:05  03/02/2026': the status bar's clock (two spaces keep the hour apart at a glance)."""
    return f"{office_hhmm(instant)}  {office_date(instant)}"


def due_wording(instant: datetime) -> str:
    """'15:00 thứ Ba, 24/02/2026': a due date with its weekday, so the clerk can say it aloud."""
    local = to_office(instant)
    return f"{office_hhmm(local)} {WEEKDAYS[local.weekday()]}, {office_date(local)}"


def at_day_text(instant: datetime) -> str:
    """'08:05 ngày 03/02/2026': an instant in a full Vietnamese sentence."""
    return f"{office_hhmm(instant)} ngày {office_date(instant)}"


def slip_time(instant: datetime) -> str:
    """'08 giờ 05 phút, ngày 03/02/2026': items 4 and 5 of the Mẫu 01 slip (TT 01/2018)."""
    local = to_office(instant)
    return f"{local.hour:02d} giờ {local.minute:02d} phút, ngày {office_date(local)}"


def place_date(place: str, instant: datetime) -> str:
    """'Hải Châu, ngày 03 tháng 02 năm 2026': NĐ 30/2020 pads days below 10 and months 1-2 only."""
    local = to_office(instant)
    month = f"{local.month:02d}" if local.month <= 2 else str(local.month)
    return f"{place}, ngày {local.day:02d} tháng {month} năm {local.year}"
