"""Dossiers as JSON-ready dicts: one shape for the CLI's --json, the outbox payload and later the wire.

Instants are ISO 8601 with the office offset (+07:00), so a person reading the JSON sees office time
and a program still gets an unambiguous instant.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import orjson

from counter_app.domain.dossier import OFFICE_TZ, Address, Dossier, Person

# The definition of canonical JSON: what every stored payload hash and audit chain was computed over.
CANONICAL_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
# orjson writes the same text for the values payloads hold, ~7x faster (with the type walk below about half
# of json's time per dossier payload: bench/payload_checks.py); tests/unit/test_canonical_json.py proves the
# texts equal over arbitrary JSON values. Sorting by UTF-8 bytes is sorting by code
# point. Subclasses (StrEnum, IntEnum, OrderedDict), datetimes and dataclasses are refused, and so are lone
# surrogates, non-text keys, integers beyond 64 bits and nesting past 255: json writes (or refuses) those.
_ORJSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS)
_SCALARS = frozenset({str, int, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})
_only_scalar_types = _SCALARS.issuperset
_MAX_FAST_DEPTH = 200  # deeper (or circular) values take the json path, which says what is wrong with them


def _fast_path_holds(value: Any, depth: int = 0) -> bool:
    """True when `value` (a dict, list or tuple) holds only containers of those types, text, integers,
    booleans and None. Floats are left to json: orjson writes some differently (1e-05 as 0.00001, NaN
    and Infinity as null), and it writes UUIDs, enums and its Fragment where json refuses them."""
    items = value.values() if type(value) is dict else value
    if _only_scalar_types(map(type, items)):  # in C: most containers hold only scalars
        return True
    if depth >= _MAX_FAST_DEPTH:
        return False
    for item in items:
        if type(item) in _SCALARS:
            continue
        if type(item) not in _CONTAINERS or not _fast_path_holds(item, depth + 1):
            return False
    return True


def _orjson_bytes(payload: Any) -> bytes | None:
    """The canonical JSON in UTF-8 written by orjson, or None where json must write it (or refuse)."""
    if type(payload) in _CONTAINERS and _fast_path_holds(payload):
        try:
            return orjson.dumps(payload, option=_ORJSON_OPTIONS)
        except TypeError:  # see _ORJSON_OPTIONS
            return None
    return None


def canonical_json(payload: dict[str, Any]) -> str:
    """Stable JSON text (sorted keys, no spaces, UTF-8 as is): equal content always hashes the same.

    Counter and server both hash with this, so a payload hash computed on one side checks on the other.
    Byte for byte `json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`,
    raising what it raises; orjson writes it whenever it writes the same text.
    """
    fast = _orjson_bytes(payload)
    return fast.decode("utf-8") if fast is not None else CANONICAL_ENCODER.encode(payload)


def canonical_bytes(payload: Any) -> bytes:
    """canonical_json(payload) in UTF-8 (what hashes are taken over), raising as the two steps do."""
    fast = _orjson_bytes(payload)
    return fast if fast is not None else CANONICAL_ENCODER.encode(payload).encode("utf-8")


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(payload)).hexdigest()


def iso_instant(value: datetime) -> str:
    return value.astimezone(OFFICE_TZ).isoformat(timespec="seconds")


def _iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def person_to_dict(person: Person) -> dict[str, Any]:
    return {
        "full_name": person.full_name,
        "applicant_type": person.applicant_type.value,
        "id_type": person.id_type.value,
        "id_number": person.id_number,
        "phone": person.phone,
        "email": person.email,
        "birth_date": _iso_date(person.birth_date),
        "gender": person.gender.value if person.gender else None,
        "address": address_to_dict(person.address),
    }


def address_to_dict(address: Address) -> dict[str, Any]:
    return asdict(address)


def dossier_to_dict(dossier: Dossier, *, with_history: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": dossier.id,
        "code": dossier.code,
        "unit_code": dossier.unit_code,
        "desk_slot": dossier.desk_slot,
        "status": int(dossier.status),
        "status_label": dossier.status.label,
        "channel": int(dossier.channel),
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "applicant_name": dossier.applicant.full_name,
        "id_type": dossier.applicant.id_type.value,
        "id_number": dossier.applicant.id_number,
        "phone": dossier.applicant.phone,
        "applicant": person_to_dict(dossier.applicant),
        "submitter": person_to_dict(dossier.submitter) if dossier.submitter else None,
        "summary": dossier.summary,
        "documents": [asdict(line) for line in dossier.documents],
        "sets_count": dossier.sets_count,
        "result_delivery": dossier.result_delivery.value,
        "received_at": iso_instant(dossier.received_at),
        "due_at": iso_instant(dossier.due_at),
        "processing_hours": dossier.processing_hours,
        "received_by": dossier.received_by,
        "version": dossier.version,
    }
    if dossier.register_book:  # absent for dossiers received before the register was kept
        result["register_book"] = dossier.register_book
        result["register_number"] = dossier.register_number
    if with_history:
        result["history"] = [
            {
                "from_status": int(change.from_status) if change.from_status else None,
                "to_status": int(change.to_status),
                "at": iso_instant(change.at),
                "actor": change.actor,
                "note": change.note,
            }
            for change in dossier.history
        ]
    return result
