"""Errors the core raises for conditions a user can understand and act on.

Each carries a sentence for the person at the keyboard (``render`` gives it in their
language); anything else that escapes is a bug and is logged with its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

from dxdesk.messages import Message


class DxdeskError(Exception):
    exit_code = 1

    def __init__(self, text: str, message: Message | None = None) -> None:
        super().__init__(text)
        self.message = message

    @classmethod
    def of(cls, message: Message) -> DxdeskError:
        return cls(message.text("en"), message)

    def render(self, language: str) -> str:
        return self.message.text(language) if self.message is not None else str(self)


class NotFoundError(DxdeskError):
    exit_code = 3


class ValidationError(DxdeskError):
    """One or more fields are invalid; ``issues`` names each field and problem."""

    exit_code = 2

    def __init__(self, issues: Sequence[Message]) -> None:
        super().__init__(" ".join(issue.text("en") for issue in issues))
        self.issues = list(issues)

    def render(self, language: str) -> str:
        return " ".join(issue.text(language) for issue in self.issues)


class ReportLockedError(DxdeskError):
    """A finalized report is immutable; corrections are new reports."""

    exit_code = 2


class StorageError(DxdeskError):
    """The database or its folder cannot be used: damaged, full, locked, too new."""

    exit_code = 4


class SchemaTooNewError(StorageError):
    pass


class SettingsError(DxdeskError):
    exit_code = 2


class UnsafeFileError(DxdeskError):
    """A path given to read or write is a link, not an ordinary file, or too large:
    refused, since a prepared USB stick could point it anywhere."""

    exit_code = 2
