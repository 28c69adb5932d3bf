"""What every `counter-app` command module shares: JSON output and the times typed on the command line."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import ValidationError


def print_json(data: Any) -> None:
    """`--json` output: UTF-8 Vietnamese as it is, indented for a person reading it too."""
    print(json.dumps(data, ensure_ascii=False, indent=2))


def parse_instant(value: str, field: str, label: str) -> datetime:
    """An ISO 8601 time typed on the command line (`--at`, `--received-at`); without a zone it is office
    time (Asia/Ho_Chi_Minh). Whether it may lie in the future is the service's rule, not the parser's."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"{label} «{value[:40]}» không đúng dạng ISO 8601 (ví dụ 2026-03-10T08:30 "
                              "hoặc 2026-03-10T08:30+07:00).", label) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=OFFICE_TZ)
