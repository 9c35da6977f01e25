"""One line for how a sync ended: what went out and came in, that there was nothing
to do, or why it stopped (the failure's own words). Qt-free, so any front end can
say it; the window shows it in its status bar after a sync."""

from __future__ import annotations

from dxdesk.messages import Message
from sync.engine import SyncSummary
from sync.failure_messages import failure_message


def summary_message(summary: SyncSummary, language: str) -> str:
    if summary.failure is not None:
        reason = failure_message(summary.failure, detail=summary.message).text(language)
        return Message("sync_failed", {"reason": reason}).text(language)
    # Sent: the reports the server answered for (accepted or refused), not retries.
    sent = summary.accepted + summary.rejected
    received = summary.pulled_tasks + summary.pulled_reviews
    if not sent and not received:
        return Message("sync_nothing").text(language)
    if summary.rejected:
        params = {"sent": sent, "rejected": summary.rejected, "received": received}
        return Message("sync_sent_received_rejected", params).text(language)
    return Message("sync_sent_received", {"sent": sent, "received": received}).text(language)
