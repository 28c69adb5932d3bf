"""Search folds diacritics and đ/Đ, matches prefixes, and finds ID numbers and phones exactly."""

import unicodedata
from datetime import datetime

import pytest

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.services.dossiers import search_dossiers
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)


@pytest.fixture
def duc(counter_db: Database) -> str:
    people = [
        ("Nguyễn Văn Đức", "049090001234", "0905123456"),
        ("Nguyễn Văn Dũng", "049088004321", "0905999888"),
        ("Trần Thị Đào", "048185002345", "0935222333"),
    ]
    codes = []
    for name, id_number, phone in people:
        dossier = receive_dossier(
            counter_db,
            IntakeRequest("1.001193", PersonInput(full_name=name, id_number=id_number, phone=phone, street="Lê Lợi")),
            now=NOW,
        )
        codes.append(dossier.code)
    return codes[0]


def names(db: Database, query: str) -> list[str]:
    return [d.applicant.full_name for d in search_dossiers(db, query)]


def test_plain_ascii_finds_the_full_vietnamese_name(counter_db: Database, duc: str) -> None:
    assert names(counter_db, "nguyen van duc") == ["Nguyễn Văn Đức"]


def test_nfd_input_finds_the_nfc_name(counter_db: Database, duc: str) -> None:
    typed = unicodedata.normalize("NFD", "Đức")
    assert typed != "Đức"
    assert names(counter_db, typed) == ["Nguyễn Văn Đức"]


def test_prefix_matches_words_newest_first(counter_db: Database, duc: str) -> None:
    assert names(counter_db, "nguy") == ["Nguyễn Văn Dũng", "Nguyễn Văn Đức"]
    assert names(counter_db, "tran thi d") == ["Trần Thị Đào"]


def test_a_one_letter_last_word_matches_only_that_prefix(counter_db: Database, duc: str) -> None:
    assert names(counter_db, "nguyen van d") == ["Nguyễn Văn Dũng", "Nguyễn Văn Đức"]
    # The unit code ("…H15") is not part of the index: "h" matches no one here.
    assert names(counter_db, "nguyen van h") == []
    # Every word is a prefix: a clerk may abbreviate any of them.
    assert names(counter_db, "ng v duc") == ["Nguyễn Văn Đức"]


def test_part_of_a_code_finds_it(counter_db: Database, duc: str) -> None:
    day_and_number = "-".join(duc.split("-")[-2:])
    assert [d.code for d in search_dossiers(counter_db, day_and_number)] == [duc]


def test_id_number_and_phone_are_found_exactly(counter_db: Database, duc: str) -> None:
    assert names(counter_db, "049090001234") == ["Nguyễn Văn Đức"]
    assert names(counter_db, "0905 123 456") == ["Nguyễn Văn Đức"]
    assert names(counter_db, "+84905123456") == ["Nguyễn Văn Đức"]


def test_code_is_found_exactly_and_case_insensitively(counter_db: Database, duc: str) -> None:
    assert [d.code for d in search_dossiers(counter_db, duc.lower())] == [duc]


def test_nothing_found_and_empty_queries(counter_db: Database, duc: str) -> None:
    assert names(counter_db, "hoang") == []
    assert names(counter_db, "   ") == []
    assert names(counter_db, "\"*)(") == []
