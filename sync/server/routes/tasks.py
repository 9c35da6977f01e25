"""Task endpoints for reviewers and admins: create, edit, mark done, withdraw, move."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import (
    CompleteIn,
    ErrorOut,
    MoveIn,
    RemovedTaskOut,
    TaskIn,
    TaskOut,
    TaskPatch,
    WithdrawIn,
)
from sync.server import tasks
from sync.server.accounts import Principal
from sync.server.errors import ApiError
from sync.server.pull import withdrawn_out
from sync.server.reviews import require_reviewer
from sync.server.routes.deps import DbDep, PrincipalDep, write
from sync.server.tables import Task

router = APIRouter()
IdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
    422: {"model": ErrorOut},
}
_NOT_NULL = ("title", "description", "doc_number", "doc_issuer", "expected_output")


def _task_error(exc: tasks.TaskError) -> ApiError:
    status = 409 if exc.code in ("task_exists", "task_withdrawn") else 422
    return ApiError(status, exc.code, str(exc), field=exc.field)


def _visible_task(session: Session, caller: Principal, task_id: str) -> Task:
    task = session.scalar(
        select(Task).where(Task.id == task_id, caller.scope(session).where(Task.unit_code))
    )
    if task is None:  # another unit's task looks exactly like a missing one
        raise ApiError(404, "not_found", "No task with this id in your units.")
    return task


@router.post("/tasks", response_model=TaskOut, tags=["tasks"], responses=_ERRORS, status_code=201)
def create_task(body: TaskIn, caller: PrincipalDep, db: DbDep) -> TaskOut:
    require_reviewer(caller)

    def work(session: Session) -> TaskOut:
        if not caller.scope(session).allows(body.unit_code):
            raise ApiError(
                403, "forbidden_unit", "You may assign tasks only to your units.", field="unit_code"
            )
        try:
            task, _created = tasks.upsert(session, body, caller.username, replace=False)
        except tasks.TaskError as exc:
            raise _task_error(exc) from exc
        return tasks.to_wire(task)

    return write(db, work)


@router.patch("/tasks/{task_id}", response_model=TaskOut, tags=["tasks"], responses=_ERRORS)
def update_task(task_id: IdPath, body: TaskPatch, caller: PrincipalDep, db: DbDep) -> TaskOut:
    require_reviewer(caller)
    changes = body.model_dump(exclude_unset=True)
    for name in _NOT_NULL:
        if name in changes and changes[name] is None:
            raise ApiError(422, "validation_error", f"{name}: may not be null", field=name)
    if not changes:
        raise ApiError(422, "validation_error", "Nothing to change: give at least one field.")

    def work(session: Session) -> TaskOut:
        task = _visible_task(session, caller, task_id)
        try:
            tasks.patch(session, task, changes, caller.username)
        except tasks.TaskError as exc:
            raise _task_error(exc) from exc
        return tasks.to_wire(task)

    return write(db, work)


@router.post("/tasks/{task_id}/complete", response_model=TaskOut, tags=["tasks"], responses=_ERRORS)
def complete_task(
    task_id: IdPath, caller: PrincipalDep, db: DbDep, body: CompleteIn | None = None
) -> TaskOut:
    """Mark a task done; the change flows down to the unit's devices."""
    require_reviewer(caller)
    on = body.completed_on if body is not None else None

    def work(session: Session) -> TaskOut:
        task = _visible_task(session, caller, task_id)
        try:
            tasks.complete(session, task, on, caller.username)
        except tasks.TaskError as exc:
            raise _task_error(exc) from exc
        return tasks.to_wire(task)

    return write(db, work)


@router.post(
    "/tasks/{task_id}/withdraw", response_model=RemovedTaskOut, tags=["tasks"], responses=_ERRORS
)
def withdraw_task(
    task_id: IdPath, body: WithdrawIn, caller: PrincipalDep, db: DbDep
) -> RemovedTaskOut:
    """Withdraw (thu hồi) a task, with the reason: the unit's devices drop it from
    their lists at their next sync; reports already written on it still count."""
    require_reviewer(caller)

    def work(session: Session) -> RemovedTaskOut:
        task = _visible_task(session, caller, task_id)
        try:
            tasks.withdraw(session, task, body.reason, caller.username)
        except tasks.TaskError as exc:
            raise _task_error(exc) from exc
        return withdrawn_out(task)

    return write(db, work)


@router.post("/tasks/{task_id}/move", response_model=TaskOut, tags=["tasks"], responses=_ERRORS)
def move_task(task_id: IdPath, body: MoveIn, caller: PrincipalDep, db: DbDep) -> TaskOut:
    """Assign a task to another of the caller's units: the old unit's devices drop it,
    the new unit's receive it."""
    require_reviewer(caller)

    def work(session: Session) -> TaskOut:
        task = _visible_task(session, caller, task_id)
        if not caller.scope(session).allows(body.unit_code):
            raise ApiError(
                403, "forbidden_unit", "You may assign tasks only to your units.", field="unit_code"
            )
        try:
            tasks.move(session, task, body.unit_code, caller.username)
        except tasks.TaskError as exc:
            raise _task_error(exc) from exc
        return tasks.to_wire(task)

    return write(db, work)
