"""What every screen gets: the open database, the task runner, this counter's profile and settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from counter_app.domain.accounts import Account
from counter_app.services.clock import utc_now
from counter_app.services.unit_setup import CounterProfile
from counter_app.storage.database import Database
from counter_app.ui.settings import CounterSettings
from counter_app.ui.tasks import TaskRunner


@dataclass
class UiContext:
    db: Database
    tasks: TaskRunner
    profile: CounterProfile
    settings: CounterSettings  # this machine's settings (ui/settings.py)
    clerk: Account | None = None  # who is signed in (None on a counter without accounts)
    clock: Callable[[], datetime] = utc_now  # the screens' now: sign-in, step times, today's checks; tests move it

    @property
    def clerk_username(self) -> str:
        return self.clerk.username if self.clerk is not None else ""
