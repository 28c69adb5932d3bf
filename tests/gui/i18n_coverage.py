"""How much of the screens' Vietnamese text is marked for translation: `python -m tests.gui.i18n_coverage [-v]`.

A Vietnamese literal is a string constant (or an f-string) under counter_app/ui/ holding a Vietnamese letter,
docstrings left out. It is marked when it is the argument of `tr`, `translate` or `QT_TRANSLATE_NOOP`.
Log lines, width samples and data (a unit name's prefix) are counted too: they stay unmarked on purpose,
so the figure never reaches the total.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "counter_app" / "ui"
VIETNAMESE = re.compile(r"[À-ỹĐđ]")
MARKERS = {"tr", "translate", "QT_TRANSLATE_NOOP"}


def _called(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def literals(path: Path) -> list[tuple[int, bool, str]]:
    """(line, marked, text) of every Vietnamese literal of one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and not isinstance(parents.get(id(node)), ast.JoinedStr)):
            text = node.value
        else:
            continue
        if VIETNAMESE.search(text):
            parent = parents.get(id(node))
            found.append((node.lineno, isinstance(parent, ast.Call) and _called(parent) in MARKERS, text))
    return found


def coverage() -> dict[str, tuple[int, int]]:
    """Module name -> (marked, total)."""
    counts = {}
    for path in sorted(UI.glob("*.py")):
        found = literals(path)
        counts[path.name] = (sum(marked for _, marked, _ in found), len(found))
    return counts


def main(argv: list[str]) -> int:
    counts = coverage()
    if "-v" in argv:
        for name, (marked, total) in sorted(counts.items(), key=lambda item: item[1][0] - item[1][1]):
            if total:
                print(f"{name:28} {marked:4}/{total:4}")
    print(f"marked {sum(m for m, _ in counts.values())}/{sum(t for _, t in counts.values())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
