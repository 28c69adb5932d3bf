"""How a supervisor decides a sync conflict (issue 13, R): the four decisions, shared by counter and server."""

from __future__ import annotations

from enum import StrEnum


class Resolution(StrEnum):
    KEEP_SERVER = "keep_server"  # the province's version stays; the counter's is set aside
    KEEP_COUNTER = "keep_counter"  # the counter's version is applied over the province's
    MERGE = "merge"  # field by field, as the supervisor chose
    REJECT = "reject"  # the counter's version is discarded and its desk told so

    @property
    def label(self) -> str:
        return RESOLUTION_LABELS[self]

    @property
    def applies_counter_version(self) -> bool:
        """Whether the counter's operation went in (wholly or in part)."""
        return self in (Resolution.KEEP_COUNTER, Resolution.MERGE)


RESOLUTION_LABELS = {
    Resolution.KEEP_SERVER: "Giữ bản của máy chủ tỉnh",
    Resolution.KEEP_COUNTER: "Giữ bản của quầy",
    Resolution.MERGE: "Gộp hai bản",
    Resolution.REJECT: "Từ chối bản của quầy",
}
