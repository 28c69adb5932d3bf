"""Training samples for the push dictionary (issue 13, W) that carry no citizen's personal data.

A dictionary is published to every counter of the province, so it must not hold a name, an id number,
a phone, a birth date, an address, an e-mail or a free note of anyone. Samples are built from the
dossiers the server holds with every text outside a short list of catalog fields (procedure and paper
names, status labels, codes of the unit and the procedure) replaced by a synthetic value of the same shape
(counter_app.services.demo_data's pools), then packed exactly as a counter packs its push
(sync.packing), so the dictionary learns the packed form's structure.
"""

from __future__ import annotations

import random
import re
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from counter_app.domain.audit import HASHED_FIELDS, row_hash
from counter_app.domain.serialization import canonical_json, payload_hash
from counter_app.services.demo_data import FAMILY, GIVEN, MIDDLE, MOBILE_PREFIXES, STREETS

# Texts kept as they are: catalog and status vocabulary, the same for every citizen.
KEPT_TEXT_KEYS = frozenset({"procedure_code", "procedure_name", "summary", "status_label", "unit_code", "applicant_type",
                            "gender", "id_type", "result_delivery", "code", "due_at", "received_at", "at"})
# Catalog texts worth a reference in the string table (a paper's name is `documents[i].name`).
TABLE_KEYS = frozenset({"procedure_name", "summary", "status_label"})
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+\-Z]*)?$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _synthetic_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _synthetic_text(key: str, value: str, rng: random.Random) -> str:
    """A made-up value shaped like `value` (same kind, same length of digits)."""
    if not value:
        return value
    if _UUID.match(value):
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if "name" in key or key in ("actor", "received_by"):
        return _synthetic_name(rng)
    if key == "phone":
        return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(max(0, len(value) - 3)))
    if value.isdigit():
        return "".join(rng.choice("0123456789") for _ in value)
    if "birth" in key:
        return f"{rng.randint(1940, 2010)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if key == "email":
        return f"nguoidan{rng.randint(1, 99_999)}@example.vn"
    if key in ("street", "text", "address"):
        return f"{rng.randint(1, 300)} {rng.choice(STREETS)}"
    if _INSTANT.match(value):
        return value  # an instant of the office's work, not of a person
    return "Ghi chú mẫu"


def anonymised(value: Any, rng: random.Random, key: str = "", parent: str = "") -> Any:
    """`value` with every personal text replaced (see the module docstring); numbers and flags are kept."""
    if isinstance(value, dict):
        return {k: anonymised(v, rng, k, key) for k, v in value.items()}
    if isinstance(value, list):
        return [anonymised(v, rng, key, key) for v in value]
    if not isinstance(value, str):
        return value
    if key in KEPT_TEXT_KEYS or (key == "name" and parent == "documents"):
        return value
    return _synthetic_text(key, value, rng)


def catalog_strings(payloads: Iterable[dict[str, Any]], limit: int = 4_000, min_count: int = 2) -> list[str]:
    """The catalog texts seen at least `min_count` times (procedure and paper names, status labels), the ones
    that save the most bytes first: what a counter sends as a reference instead of text."""
    seen: Counter[str] = Counter()
    for payload in payloads:
        for key in TABLE_KEYS:
            text = payload.get(key)
            if isinstance(text, str) and len(text) > 3:
                seen[text] += 1
        for document in payload.get("documents") or []:
            if isinstance(document, dict) and isinstance(document.get("name"), str) and len(document["name"]) > 3:
                seen[document["name"]] += 1
    ranked = sorted((t for t, n in seen.items() if n >= min_count), key=lambda t: (-seen[t] * len(t.encode()), t))
    return sorted(ranked[:limit])


def sample_op(payload: dict[str, Any], seq: int, rng: random.Random) -> dict[str, Any]:
    """A dossier.create operation shaped as a counter sends it (with its audit envelope), around `payload`."""
    at = payload.get("received_at") if isinstance(payload.get("received_at"), str) else "2026-01-01T08:00:00+07:00"
    entity_id = payload.get("id") if isinstance(payload.get("id"), str) else str(uuid.uuid4())
    return {"op_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "seq": seq, "entity": "dossier",
            "entity_id": entity_id, "op_type": "dossier.create", "base_version": None, "schema_version": 1,
            "created_at": at, "payload": payload, "payload_hash": payload_hash(payload),
            "audit": {"seq": seq, "at": at, "device": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                      "clerk_name": _synthetic_name(rng), "clerk_username": "", "action": "dossier.create",
                      "subject": payload.get("code", ""), "before": None, "after": None,
                      "prev_hash": f"{rng.getrandbits(256):064x}", "hash": ""}}


def chained(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sample operations' audit rows sealed into one chain, as a counter's are (so packing leaves the
    hashes out, as it does for a real push)."""
    previous = ops[0]["audit"]["prev_hash"] if ops else ""
    for op in ops:
        audit = op["audit"]
        audit["prev_hash"] = previous
        values = [audit[name] for name in HASHED_FIELDS]
        values[8] = canonical_json(op["payload"])
        audit["hash"] = previous = row_hash(*values)
    return ops
