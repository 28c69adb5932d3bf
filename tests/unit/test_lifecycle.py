"""Statuses 1-10 and the moves the lifecycle allows."""

import pytest

from counter_app.domain.errors import InvalidTransition
from counter_app.domain.lifecycle import (
    ALLOWED_TRANSITIONS,
    FINAL_STATUSES,
    Status,
    check_transition,
    parse_status,
)


def test_the_national_codes_and_labels() -> None:
    assert [int(s) for s in Status] == list(range(1, 11))
    assert Status(2).label == "Được tiếp nhận"
    assert Status(10).label == "Đã trả kết quả"


@pytest.mark.parametrize(
    ("current", "target"),
    [(1, 2), (1, 3), (2, 3), (2, 4), (2, 5), (4, 5), (5, 4), (4, 6), (6, 4), (2, 7), (4, 7), (5, 7), (2, 8), (4, 8),
     (4, 9), (9, 10)],
)
def test_legal_moves(current: int, target: int) -> None:
    check_transition(Status(current), Status(target))


def test_final_statuses_go_nowhere() -> None:
    assert {Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED} == FINAL_STATUSES
    for final in FINAL_STATUSES:
        for target in Status:
            with pytest.raises(InvalidTransition) as caught:
                check_transition(final, target)
            assert "trạng thái cuối" in caught.value.message


def test_every_other_move_is_refused_with_the_allowed_ones_named() -> None:
    refused = [(c, t) for c in Status for t in Status if t not in ALLOWED_TRANSITIONS[c] and c not in FINAL_STATUSES]
    assert (Status.RECEIVED, Status.RETURNED) in refused
    for current, target in refused:
        with pytest.raises(InvalidTransition) as caught:
            check_transition(current, target)
        assert f"«{current.label}»" in caught.value.message
        assert "chỉ được chuyển sang" in caught.value.message


def test_legal_steps_is_the_whole_table() -> None:
    from counter_app.domain.lifecycle import legal_steps

    steps = legal_steps()
    assert len(steps) == len(set(steps)) == sum(len(t) for t in ALLOWED_TRANSITIONS.values()) == 17
    assert (Status.RECEIVED, Status.REFUSED) in steps and (Status.RESULT_READY, Status.RETURNED) in steps


@pytest.mark.parametrize("target", [Status.REFUSED, Status.SUPPLEMENT_REQUESTED, Status.WITHDRAWN, Status.STOPPED])
def test_refusal_supplement_withdrawal_and_stop_need_a_reason(target: Status) -> None:
    from counter_app.domain.lifecycle import check_reason

    for blank in ("", "   "):
        with pytest.raises(InvalidTransition) as caught:
            check_reason(target, blank)
        assert caught.value.message == f"Hãy ghi lý do khi chuyển hồ sơ sang «{target.label}»."
    assert check_reason(target, "  Công dân xin rút  ") == "Công dân xin rút"
    with pytest.raises(InvalidTransition):
        check_reason(target, "x" * 2001)


def test_other_steps_need_no_reason() -> None:
    from counter_app.domain.lifecycle import check_reason

    assert check_reason(Status.PROCESSING, "") == ""


def test_parse_status() -> None:
    assert parse_status("4") is Status.PROCESSING
    for bad in ("0", "11", "x", None):
        with pytest.raises(InvalidTransition):
            parse_status(bad)  # type: ignore[arg-type]


def test_overdue_is_derived_and_paused_while_waiting_on_the_citizen() -> None:
    from datetime import UTC, datetime, timedelta

    from counter_app.domain.dossier import Channel, Dossier, Person, ResultDelivery

    due = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    dossier = Dossier(id="x", code="c", unit_code="u", desk_slot=0, procedure_code="p", procedure_name="n",
                      applicant=Person(full_name="A"), summary="", documents=[], sets_count=1, channel=Channel.DIRECT,
                      result_delivery=ResultDelivery.DESK, received_at=due - timedelta(days=1), due_at=due,
                      processing_hours=8, status=Status.PROCESSING, received_by="")
    later = due + timedelta(minutes=1)
    assert not dossier.is_overdue(due)
    assert dossier.is_overdue(later)
    for paused in (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT, Status.RESULT_READY, Status.RETURNED):
        dossier.status = paused
        assert not dossier.is_overdue(later)
