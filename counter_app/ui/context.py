"""What every screen gets: the open database, the task runner and this counter's profile."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from counter_app.services.unit_setup import CounterProfile
from counter_app.storage.database import Database
from counter_app.ui.tasks import TaskRunner


@dataclass
class UiContext:
    db: Database
    tasks: TaskRunner
    profile: CounterProfile
    settings: QSettings
