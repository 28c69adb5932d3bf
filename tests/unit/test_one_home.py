"""Each rule has one home (docs/architecture.md): a copy written elsewhere fails here, by name."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "counter_app"

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")
# A date or time written for a person: "{x:%d/%m/%Y}", "{x:%H:%M}" or strftime("%d/%m...").
OFFICE_FORMAT = re.compile(r"""(\{[^{}]*:%[dHmMY][^{}]*\})|strftime\(\s*["'][^"']*%[dH]""")
# Formats for machines, not people: a backup file's stamp, the catalog's "HH:MM" cut-off field and a
# diagnostics bundle's file name.
MACHINE_FORMATS = {"counter_app/storage/migrate.py", "counter_app/domain/time_rules.py", "counter_app/diagnostics.py"}


def python_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "migrations" not in path.parts)


def offending_lines(folders: tuple[Path, ...], pattern: re.Pattern[str], home: Callable[[Path], bool],
                    *, comments: bool = True) -> list[str]:
    """"path:line: text" of each line matching `pattern` in the Python files of `folders` outside the rule's
    `home`; `comments=False` reads a line only up to a trailing "  #" comment."""
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in folders
        for path in python_files(folder)
        if not home(path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line if comments else line.split("  #")[0])
    ]


def test_colours_are_written_only_in_the_palette() -> None:
    offenders = offending_lines((APP / "ui",), HEX_COLOUR, lambda path: path.name == "palette.py", comments=False)
    assert offenders == [], "colours belong in counter_app/ui/palette.py:\n" + "\n".join(offenders)


def test_dates_and_times_are_formatted_only_in_formats() -> None:
    offenders = offending_lines((APP, ROOT / "sync"), OFFICE_FORMAT, lambda path: path.name == "formats.py"
                                or str(path.relative_to(ROOT)) in MACHINE_FORMATS)
    assert offenders == [], "office-time formats belong in counter_app/domain/formats.py:\n" + "\n".join(offenders)


# Asking the machine for the date or the time of day; durations (time.monotonic) and file ages are not this.
CLOCK_READ = re.compile(r"\b(?:datetime\.(?:now|utcnow|today)|date\.today|QDate(?:Time)?\.current\w*)\(")


def test_the_time_is_read_only_through_the_clock() -> None:
    offenders = offending_lines((APP, ROOT / "sync"), CLOCK_READ, lambda path: path == APP / "services" / "clock.py",
                                comments=False)
    assert offenders == [], "read the time through counter_app/services/clock.py:\n" + "\n".join(offenders)


OFFICE_DAY_SPELLED = re.compile(r"astimezone\(OFFICE_TZ\)\.date\(\)")


def test_the_office_day_of_an_instant_is_worked_out_in_one_place() -> None:
    """`domain.codes.office_day` says which office day an instant falls on (the day a code carries, a deadline's
    day, a day's close): every other module asks it."""
    offenders = offending_lines((APP, ROOT / "sync"), OFFICE_DAY_SPELLED, lambda path: path == APP / "domain" / "codes.py")
    assert offenders == [], "use counter_app.domain.codes.office_day:\n" + "\n".join(offenders)
