"""Assisted online filing: the log, its outbox operation, the day's counts, and channel-2 dossiers keeping
the portal's code instead of spending a desk code."""

import json
from datetime import datetime, timedelta

import pytest

from counter_app.domain.assisted_filing import AssistOutcome
from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import DomainError, ValidationErrors
from counter_app.domain.operations import check_payload
from counter_app.services.assisted_filing import AssistRequest, assisted_counts, assisted_on, log_assistance
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.outbox import operations_for
from tests.conftest import UNIT_CODE

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)
PORTAL_CODE = f"{UNIT_CODE}-260309-0042"


def assist(db: Database, outcome: str, *, at: datetime = NOW, **fields) -> object:
    values = {"applicant_name": "nguyễn văn đức", "procedure_code": "1.001193", "outcome": outcome}
    values.update(fields)
    return log_assistance(db, AssistRequest(**values), now=at)


def test_a_filing_is_logged_with_the_portal_code_and_queued(counter_db: Database) -> None:
    record = assist(counter_db, "filed", portal_code=PORTAL_CODE.lower(), applicant_phone="0905 123 456")
    assert record.outcome is AssistOutcome.FILED
    assert record.portal_code == PORTAL_CODE
    assert record.applicant_name == "Nguyễn Văn Đức"
    assert record.applicant_phone == "0905123456"
    assert record.procedure_name  # known to the catalog
    assert record.clerk == "Trần Thị Mai"
    with counter_db.read() as session:
        ops = operations_for(session, record.id)
    assert [op.op_type for op in ops] == ["assist.log"]
    payload = json.loads(ops[0].payload)
    check_payload("assist.log", payload, now=NOW)  # what the server will check
    assert payload["portal_code"] == PORTAL_CODE and payload["outcome"] == "filed"


def test_counts_of_the_day_by_outcome(counter_db: Database) -> None:
    assist(counter_db, "account")
    assist(counter_db, "Tạo tài khoản trên Cổng dịch vụ công")  # the label is understood too
    assist(counter_db, "filed", portal_code=PORTAL_CODE)
    assist(counter_db, "failed", note="Cổng dịch vụ công không truy cập được")
    assist(counter_db, "account", at=NOW - timedelta(days=1))  # yesterday: not counted today
    # 23:30 the day before in office time is still yesterday, although it is the same UTC day as 06:00.
    assist(counter_db, "account", at=datetime(2026, 3, 9, 23, 30, tzinfo=OFFICE_TZ))
    counts = assisted_counts(counter_db, NOW.date())
    assert counts == {AssistOutcome.ACCOUNT_CREATED: 2, AssistOutcome.FILED: 1, AssistOutcome.FAILED: 1}
    assert [r.outcome for r in assisted_on(counter_db, NOW.date())][-1] is AssistOutcome.ACCOUNT_CREATED
    assert sum(assisted_counts(counter_db, NOW.date() + timedelta(days=5)).values()) == 0


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"outcome": "maybe"}, "outcome", "không hợp lệ"),
    ({"outcome": "failed"}, "note", "lý do"),
    ({"outcome": "filed"}, "portal_code", "ghi mã"),
    ({"outcome": "filed", "portal_code": "HS-2026-42"}, "portal_code", "không phải mã hồ sơ hợp lệ"),
    ({"outcome": "filed", "portal_code": f"{UNIT_CODE}-261332-0001"}, "portal_code", "không tồn tại"),
    ({"outcome": "account", "procedure_code": "thủ tục gì đó"}, "procedure_code", "không đúng dạng"),
    ({"outcome": "account", "applicant_name": "  "}, "applicant_name", "chưa nhập"),
    ({"outcome": "account", "applicant_phone": "abc"}, "phone", "chữ số"),
])
def test_bad_fields_are_refused_in_vietnamese_and_nothing_is_saved(counter_db: Database, fields, field, words) -> None:
    values = {"applicant_name": "Nguyễn Văn Đức", "procedure_code": "1.001193"} | fields
    with pytest.raises(ValidationErrors) as caught:
        log_assistance(counter_db, AssistRequest(**values), now=NOW)
    messages = {e.field: e.message for e in caught.value.errors}
    assert words in messages[field]
    assert sum(assisted_counts(counter_db, NOW.date()).values()) == 0


def test_a_procedure_outside_the_catalog_is_logged_by_its_national_code(counter_db: Database) -> None:
    record = assist(counter_db, "account", procedure_code="2.000815.000.00.00.H55")
    assert record.procedure_code == "2.000815.000.00.00.H55" and record.procedure_name == ""


# -- channel 2: the portal's code ----------------------------------------------------------------------


def online(portal_code: str = PORTAL_CODE, **overrides) -> IntakeRequest:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
    values = {"procedure_code": "1.001193", "applicant": applicant, "received_at": NOW, "channel": 2,
              "portal_code": portal_code}
    return IntakeRequest(**(values | overrides))


def test_an_online_dossier_keeps_the_portal_code_and_spends_no_desk_code(counter_db: Database) -> None:
    dossier = receive_dossier(counter_db, online(), now=NOW)
    assert dossier.code == PORTAL_CODE
    walk_in = receive_dossier(counter_db, online("", channel=1), now=NOW)
    assert walk_in.code == f"{UNIT_CODE}-260310-1001"  # the desk's first code of the day is still free
    with counter_db.read() as session:
        payload = json.loads(operations_for(session, dossier.id)[0].payload)
    assert payload["code"] == PORTAL_CODE and payload["channel"] == 2


def test_the_same_portal_code_twice_is_refused_in_vietnamese(counter_db: Database) -> None:
    receive_dossier(counter_db, online(), now=NOW)
    with pytest.raises(DomainError) as caught:
        receive_dossier(counter_db, online(), now=NOW)
    assert "đã có hồ sơ mã" in caught.value.message


@pytest.mark.parametrize(("overrides", "words"), [
    ({"portal_code": ""}, "hãy ghi mã đó"),
    ({"portal_code": "000.00.00.H47-260309-0042"}, "không phải đơn vị của quầy"),
    ({"portal_code": f"{UNIT_CODE}-260311-0042"}, "sau ngày tiếp nhận"),
    ({"portal_code": "G22.115-260309-0001"}, "không phải mã hồ sơ hợp lệ"),
    ({"channel": 1}, "chỉ ghi khi hồ sơ nộp trực tuyến"),
])
def test_bad_portal_codes_are_refused(counter_db: Database, overrides, words) -> None:
    with pytest.raises(ValidationErrors) as caught:
        receive_dossier(counter_db, online(**overrides), now=NOW)
    assert any(e.field == "portal_code" and words in e.message for e in caught.value.errors)


@pytest.mark.parametrize(("change", "words"), [
    ({"outcome": "hacked"}, "không thuộc các giá trị cho phép"),
    ({"portal_code": "x" * 500}, "dài quá"),
    ({"portal_code": "000.31.48.H15-260309-0042\n"}, "không đúng dạng"),
    ({"applicant_name": "Đức\x00"}, "ký tự không được phép"),
    ({"unit_code": "ABC"}, "không đúng dạng"),
    ({"desk_slot": 10}, "phải không quá 9"),
    ({"at": "2026-03-10T09:00:00"}, "thiếu múi giờ"),
    ({"extra": 1}, "không thuộc dữ liệu thao tác"),
])
def test_the_server_vocabulary_refuses_forged_assist_lines(counter_db: Database, change, words) -> None:
    from counter_app.domain.operations import InvalidOperation
    from counter_app.services.assisted_filing import assist_payload

    payload = assist_payload(assist(counter_db, "filed", portal_code=PORTAL_CODE)) | change
    with pytest.raises(InvalidOperation) as caught:
        check_payload("assist.log", payload, now=NOW)
    assert words in str(caught.value)
