"""The papers of one dossier against its procedure's list: what the desk starts with, what it may keep.

The catalog says which papers the law lists and their kind (`DocumentKind`); the clerk records what
the citizen actually handed in. This module is the one home of the rules between the two:
- the form starts with the required papers at their usual count and every other line at 0;
- lines at 0 are not kept (and so never printed on the slip);
- each one-of group needs exactly one paper with a count above 0;
- `--document "N=O/C/P"` on the command line names line N of the procedure's `documents`.

Pure Python. docs/papers-and-slip.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from counter_app.domain import labels
from counter_app.domain.catalog import DocumentKind, Procedure, RequiredDocument
from counter_app.domain.dossier import DocumentLine
from counter_app.domain.errors import ValidationError

MAX_COUNT = 99
FIELD = "documents"
LABEL = labels.DOCUMENTS
_DOCUMENT_ARG = re.compile(r"\s*(\d{1,3})\s*=\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{1,2})\s*")


def default_lines(procedure: Procedure) -> list[DocumentLine]:
    """Every line of the procedure, required papers at their usual count and the others at 0."""
    lines = []
    for document in procedure.documents:
        if document.kind is DocumentKind.REQUIRED:
            lines.append(DocumentLine(document.name, document.originals, document.certified_copies, document.photocopies))
        else:
            lines.append(DocumentLine(document.name))
    return lines


def kind_note(document: RequiredDocument) -> str:
    """What the checklist writes before a paper's name: "" for a required one, else its kind (and group)."""
    if document.kind is DocumentKind.REQUIRED:
        return ""
    if document.kind is DocumentKind.ONE_OF:
        return f"chọn một: {document.group}"
    return document.kind.label


def typical_lines(procedure: Procedure) -> list[DocumentLine]:
    """The papers most dossiers carry: the required ones and the first paper of each one-of group.

    For sample data (demo dossiers, tests); the desk starts from `default_lines` and the clerk chooses.
    """
    seen: set[str] = set()
    lines = []
    for document in procedure.documents:
        first_of_group = document.kind is DocumentKind.ONE_OF and document.group not in seen
        if document.kind is DocumentKind.REQUIRED or first_of_group:
            seen.add(document.group)
            lines.append(DocumentLine(document.name, document.originals, document.certified_copies, document.photocopies))
    return lines


def handed_in(lines: Iterable[DocumentLine]) -> list[DocumentLine]:
    """The lines with at least one copy: a line at 0 was not handed in and is neither kept nor printed."""
    return [line for line in lines if line.originals or line.certified_copies or line.photocopies]


def group_problems(procedure: Procedure, lines: Iterable[DocumentLine]) -> list[str]:
    """A Vietnamese message for each one-of group without exactly one paper handed in (lines by name)."""
    chosen: dict[str, list[str]] = {}
    for document in procedure.documents:
        if document.kind is DocumentKind.ONE_OF:
            chosen.setdefault(document.group, [])
    group_of = {d.name: d.group for d in procedure.documents if d.kind is DocumentKind.ONE_OF}
    for line in handed_in(lines):
        group = group_of.get(line.name)
        if group is not None:
            chosen[group].append(line.name)
    problems = []
    for group, names in chosen.items():
        if not names:
            problems.append(f"{LABEL}: nhóm «{group}» phải có đúng một giấy tờ được nộp; chưa chọn giấy tờ nào.")
        elif len(names) > 1:
            listed = "; ".join(f"«{_short(n)}»" for n in names)
            problems.append(
                f"{LABEL}: nhóm «{group}» chỉ nhận một giấy tờ trong các giấy tờ thay thế nhau, đang có {len(names)}: {listed}."
            )
    return problems


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


@dataclass(frozen=True)
class DocumentChoice:
    """One `--document "N=O/C/P"` of the command line: line N (1-based) of the procedure's documents."""

    line: int
    originals: int
    certified_copies: int
    photocopies: int


def parse_document_arg(text: str) -> DocumentChoice:
    """ "3=1/0/2" → line 3 with 1 original, 0 certified copies, 2 photocopies (ValidationError otherwise)."""
    match = _DOCUMENT_ARG.fullmatch(text or "")
    if match is None:
        raise ValidationError(
            FIELD,
            f"{LABEL}: «{_short(text or '', 40)}» không đúng dạng N=O/C/P (N là số thứ tự giấy tờ trong danh mục "
            f"của thủ tục, O bản chính, C bản sao chứng thực, P bản photo; ví dụ 1=1/0/0).",
            LABEL,
        )
    line, *counts = (int(group) for group in match.groups())
    if line < 1:
        raise ValidationError(FIELD, f"{LABEL}: số thứ tự giấy tờ phải từ 1 trở lên, đang ghi {line}.", LABEL)
    return DocumentChoice(line, *counts)


def lines_from_choices(procedure: Procedure, choices: Iterable[DocumentChoice]) -> list[DocumentLine]:
    """The lines named by `--document` choices, in the catalog's order; a bad or repeated N is refused."""
    documents = procedure.documents
    by_line: dict[int, DocumentChoice] = {}
    for choice in choices:
        if choice.line > len(documents):
            count = f"có {len(documents)} giấy tờ" if documents else "không có giấy tờ nào"
            raise ValidationError(
                FIELD,
                f"{LABEL}: thủ tục {procedure.code} {count} trong danh mục, không có giấy tờ số {choice.line} "
                f"(xem «counter-app catalog {procedure.code} --json»).",
                LABEL,
            )
        if choice.line in by_line:
            raise ValidationError(FIELD, f"{LABEL}: giấy tờ số {choice.line} được ghi hai lần.", LABEL)
        by_line[choice.line] = choice
    return [
        DocumentLine(documents[n - 1].name, c.originals, c.certified_copies, c.photocopies)
        for n, c in sorted(by_line.items())
    ]
