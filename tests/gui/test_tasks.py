"""The task runner drops the answers nobody waits for any more: a closed widget's, a superseded request's."""

import threading

from PySide6.QtWidgets import QWidget

from counter_app.ui.tasks import TaskRunner

WAIT = 10_000


def held_task(gate: threading.Event, value: object):
    """A background job that ends only when the test opens `gate` (events, never sleeps)."""

    def work() -> object:
        assert gate.wait(WAIT / 1000)
        return value

    return work


def test_an_answer_for_a_destroyed_owner_is_dropped(qtbot) -> None:
    tasks = TaskRunner()
    owner = QWidget()
    other = QWidget()
    qtbot.addWidget(other)
    gate = threading.Event()
    got: list[object] = []
    tasks.run(held_task(gate, "cho cửa sổ đã đóng"), got.append, got.append, owner=owner)
    tasks.run(held_task(gate, "cho cửa sổ còn mở"), got.append, got.append, owner=other)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not owner_alive(owner), timeout=WAIT)
    gate.set()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=WAIT)
    assert got == ["cho cửa sổ còn mở"]


def owner_alive(widget: QWidget) -> bool:
    try:
        widget.objectName()
    except RuntimeError:  # the Qt object is gone
        return False
    return True


def test_only_the_newest_request_of_a_name_is_answered(qtbot) -> None:
    tasks = TaskRunner()
    owner = QWidget()
    qtbot.addWidget(owner)
    first, second = threading.Event(), threading.Event()
    got: list[object] = []
    tasks.run(held_task(first, "khai"), got.append, owner=owner, request="search")
    tasks.run(held_task(second, "khai sinh"), got.append, owner=owner, request="search")
    tasks.run(held_task(second, "chi tiết"), got.append, owner=owner, request="details")  # another name: kept
    second.set()
    qtbot.waitUntil(lambda: len(got) == 2, timeout=WAIT)
    first.set()  # the older query answers last, as a slow one does
    qtbot.waitUntil(lambda: not tasks.busy, timeout=WAIT)
    assert sorted(got) == ["chi tiết", "khai sinh"]


def test_errors_of_superseded_requests_are_dropped_too_and_drop_forgets_the_outstanding_one(qtbot) -> None:
    tasks = TaskRunner()
    owner = QWidget()
    qtbot.addWidget(owner)
    gate = threading.Event()
    errors: list[Exception] = []

    def fails() -> None:
        assert gate.wait(WAIT / 1000)
        raise ValueError("cũ")

    tasks.run(fails, None, errors.append, owner=owner, request="search")
    tasks.drop(owner, "search")  # the box was emptied
    gate.set()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=WAIT)
    assert errors == []


def test_without_an_owner_every_answer_arrives(qtbot) -> None:
    tasks = TaskRunner()
    got: list[object] = []
    for value in range(3):
        tasks.run(lambda value=value: value, got.append)
    qtbot.waitUntil(lambda: len(got) == 3, timeout=WAIT)
    assert sorted(got) == [0, 1, 2]
