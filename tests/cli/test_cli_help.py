"""`counter-app --help` and argparse's own errors in Vietnamese, read from a real process."""

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.cli import build_parser
from sync.server.cli import build_parser as build_server_parser

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = ["usage:", "options:", "positional arguments", "show this help message and exit",
           "show program's version number and exit", "the following arguments are required", "error:",
           "unrecognized arguments", "invalid choice"]


def counter_app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "counter_app", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, timeout=120)


def subcommands() -> list[list[str]]:
    """Every command and sub-command the parser knows, as argv prefixes."""
    found: list[list[str]] = []

    def walk(parser, prefix: list[str]) -> None:
        for action in parser._subparsers._group_actions if parser._subparsers else []:
            for name, child in action.choices.items():
                found.append([*prefix, name])
                walk(child, [*prefix, name])

    walk(build_parser(), [])
    return found


def assert_vietnamese(text: str) -> None:
    for english in ENGLISH:
        assert english not in text.lower(), f"«{english}» in:\n{text}"


def test_top_level_help_is_vietnamese() -> None:
    result = counter_app("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("Cách dùng: counter-app")
    assert "tùy chọn:" in result.stdout
    assert "hiện hướng dẫn này rồi thoát" in result.stdout
    assert_vietnamese(result.stdout)


@pytest.mark.parametrize("command", subcommands(), ids=" ".join)
def test_every_subcommand_help_is_vietnamese(command: list[str]) -> None:
    result = counter_app(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Cách dùng: counter-app {' '.join(command)}")
    assert_vietnamese(result.stdout)


def test_the_provincial_server_help_is_vietnamese_too() -> None:
    result = subprocess.run([sys.executable, "-m", "sync.server.cli", "number-range", "--help"], capture_output=True,
                            text=True, encoding="utf-8", cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Cách dùng: provincial-server number-range")
    assert "MÃ_QUẦY" in result.stdout and "SỔ" in result.stdout
    assert_vietnamese(result.stdout)


def test_argparse_errors_are_vietnamese_with_exit_code_2() -> None:
    missing = counter_app("setup")
    assert missing.returncode == 2
    assert "lỗi: thiếu tham số bắt buộc: --unit-code, --unit-name, --desk" in missing.stderr
    unknown = counter_app("show", "X", "--bogus")
    assert unknown.returncode == 2
    assert "không hiểu tham số: --bogus" in unknown.stderr
    bad_number = counter_app("search", "abc", "--limit", "nhiều")
    assert bad_number.returncode == 2
    assert re.search(r"tham số --limit: giá trị 'nhiều' không hợp lệ", bad_number.stderr)
    for result in (missing, unknown, bad_number):
        assert result.stderr.startswith("Cách dùng: ")
        assert_vietnamese(result.stderr)


def parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """The root parser and every sub-command's parser, with the command that opens it."""
    found: list[tuple[str, argparse.ArgumentParser]] = []

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        found.append((name, parser))
        for action in parser._subparsers._group_actions if parser._subparsers else []:
            for child_name, child in action.choices.items():
                walk(child, f"{name} {child_name}")

    walk(build_parser(), "counter-app")
    walk(build_server_parser(), "provincial-server")  # the province's IT reads its help too
    return found


def undocumented(name: str, parser: argparse.ArgumentParser) -> list[str]:
    """Options and sub-commands without a Vietnamese help line or with argparse's English placeholder."""
    problems = []
    for action in parser._actions:
        label = f"{name} {'/'.join(action.option_strings) or action.dest}"
        if isinstance(action, argparse._SubParsersAction):
            listed = {choice.dest for choice in action._choices_actions}
            problems += [f"{name} {command}: no help" for command in action.choices if command not in listed]
            problems += [f"{name} {c.dest}: no help" for c in action._choices_actions if not c.help]
            continue
        if action.help == argparse.SUPPRESS:
            continue
        if not action.help:
            problems.append(f"{label}: no help")
        takes_value = action.nargs != 0
        if takes_value and action.choices is None:
            shown = action.metavar if isinstance(action.metavar, str) else None
            if shown is None or not _vietnamese(shown):
                problems.append(f"{label}: placeholder {shown or action.dest.upper()!r} is not Vietnamese")
    return problems


def _vietnamese(word: str) -> bool:
    """A placeholder written in Vietnamese: 'SỐ_QUẦY', 'MÃ_ĐƠN_VỊ'; the few without a mark are listed."""
    return bool(re.search(r"[^\x00-\x7f]", word)) or word in {"URL", "EMAIL", "N=O/C/P"}


def test_every_option_has_vietnamese_help_and_placeholder() -> None:
    problems = [problem for name, parser in parsers() for problem in undocumented(name, parser)]
    assert problems == [], "\n".join(problems)
