"""The background runners: order kept by SerialRunner, settle() finishing on the
spot, and answers for a widget Qt has deleted dropped."""

from __future__ import annotations

import threading
from typing import Any

import shiboken6
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.ui.conftest import WAIT_MS
from ui.background_jobs import PoolRunner, SerialRunner


class Pane(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[Any] = []

    def show_answer(self, answer: Any) -> None:
        self.answers.append(answer)
        self.setWindowTitle(str(answer))  # a deleted widget raises here


class Step:
    """A job that waits for the test's go, then says which it was."""

    def __init__(self, name: str, log: list[str], go: threading.Event | None = None) -> None:
        self.name, self.log, self.go = name, log, go

    def __call__(self) -> str:
        if self.go is not None:
            assert self.go.wait(WAIT_MS / 1000)
        self.log.append(self.name)
        return self.name


def busy(runner: SerialRunner) -> bool:
    return runner.busy


def test_an_answer_for_a_deleted_widget_is_dropped(qtbot: QtBot) -> None:
    runner = PoolRunner()
    go = threading.Event()
    pane = Pane()
    runner.run(Step("late", [], go), pane.show_answer)
    shiboken6.delete(pane)  # the window closed while the job ran
    go.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)


def test_serial_jobs_run_in_order_and_settle_finishes_them_here(qtbot: QtBot) -> None:
    pool = PoolRunner()
    serial = SerialRunner(pool)
    log: list[str] = []
    go = threading.Event()
    pane = Pane()
    serial.run(Step("save", log, go), pane.show_answer)
    serial.run(Step("attach", log), pane.show_answer)
    serial.run(Step("finalize", log), pane.show_answer)
    assert log == [] and busy(serial)  # the first waits; the others wait for it
    go.set()
    assert serial.settle(WAIT_MS / 1000)
    assert log == ["save", "attach", "finalize"] == pane.answers
    assert not busy(serial)
    qtbot.waitUntil(lambda: not pool.busy, timeout=WAIT_MS)
    assert pane.answers == ["save", "attach", "finalize"]  # the late relay: ignored


class BoomError(Exception):
    pass


class Raiser:
    def __call__(self, error: BaseException) -> None:
        raise BoomError from error


def failing() -> None:
    raise ValueError("the store said no")


def test_an_answer_that_raises_does_not_stop_the_jobs_behind_it(qtbot: QtBot) -> None:
    """An unexpected error goes to the crash handler; the draft's later saves still run."""
    pool = PoolRunner()
    serial = SerialRunner(pool)
    log: list[str] = []
    go = threading.Event()
    pane = Pane()
    with qtbot.capture_exceptions() as raised:
        serial.run(Step("first", log, go), pane.show_answer)
        serial.run(failing, pane.show_answer, Raiser())
        serial.run(Step("after", log), pane.show_answer)
        go.set()
        qtbot.waitUntil(lambda: log == ["first", "after"], timeout=WAIT_MS)
    assert [type(error) for _, error, _ in raised] == [BoomError]
    qtbot.waitUntil(lambda: not busy(serial), timeout=WAIT_MS)
