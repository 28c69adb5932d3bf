"""The counter's own identity: which unit and desk it is (one row)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from counter_app.storage.models import CalendarOverride, UnitProfile

PROFILE_ID = 1


def get_profile(session: Session) -> UnitProfile | None:
    return session.get(UnitProfile, PROFILE_ID)


def calendar_overrides(session: Session) -> tuple[list, list]:
    """(extra days off, make-up working days) recorded for this unit."""
    rows = session.query(CalendarOverride).all()
    return [r.day for r in rows if r.kind == "off"], [r.day for r in rows if r.kind == "work"]
