"""Finding a procedure by what the clerk types, ranked by this desk's use: the picker's rule, kept
out of `ui/` so it can be tested and reused without Qt.

A procedure is matched on its folded "code name" (no diacritics, no case, đ = d), so "khai sinh",
"đăng ký KHAI SINH" and "1.001193" all find the birth registration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from counter_app.domain.catalog import Procedure
from counter_app.domain.text import fold

MAX_SHOWN = 60
_FILLER = " thu tuc "  # "Thủ tục" opens some names and not others: it must not push a name down

SearchIndex = list[tuple[str, Procedure]]


def search_index(procedures: Iterable[Procedure]) -> SearchIndex:
    """Each procedure with the folded "code name" it is matched on, in catalog order."""
    return [(fold(f"{p.code} {p.name}"), p) for p in procedures]


def match_position(key: str, word: str) -> int:
    """Where `word` occurs in the folded "code name", not counting a leading "Thủ tục" of the name."""
    found = key.find(word)
    filler = key.find(_FILLER)
    if 0 <= filler < found and filler == key.find(" "):
        found -= len(_FILLER) - 1
    return found


def filter_procedures(
    catalog: SearchIndex, query: str, use: Mapping[str, int] | None = None, limit: int = MAX_SHOWN
) -> list[Procedure]:
    """Every folded word of `query` must occur in the folded "code name".

    `use` counts this desk's dossiers per procedure code: the desk's common procedures come first.
    Nothing typed: by use, then by name. Typed: codes that start with the query, then by use, then the
    earliest match, then the shortest name (so "khai sinh" puts "Thủ tục đăng ký khai sinh" before its
    longer variants), then catalog order.
    """
    use = use or {}
    words = fold(query).split()
    if not words:
        ranked = sorted(catalog, key=lambda item: (-use.get(item[1].code, 0), fold(item[1].name)))
        return [procedure for _, procedure in ranked][:limit]
    first = words[0]
    hits = [
        (not procedure.code.startswith(first), -use.get(procedure.code, 0), match_position(key, first), len(key), index,
         procedure)
        for index, (key, procedure) in enumerate(catalog)
        if all(word in key for word in words)
    ]
    hits.sort(key=lambda hit: hit[:5])
    return [hit[5] for hit in hits[:limit]]
