"""Two runs at the same moment: the same reminder tells once, the same row is claimed by one worker.

Needs real row locks and unique checks across connections, so it runs on PostgreSQL only.
"""

from notifications import outbox
from notifications.models import Kind, Notification, OutboxMessage
from notifications.services import Event, send_sms, tell
from tests.concurrency import POSTGRES_ONLY, at_once
from tests.factories import UserFactory

pytestmark = POSTGRES_ONLY
THREADS = 4


def test_the_same_reminder_run_at_once_tells_each_user_once(settings):
    settings.NOTIFICATIONS_QUIET_HOURS = ""
    users = [UserFactory() for _ in range(5)]

    def run():
        events = [
            Event(
                user=u, kind=Kind.READINGS_REMINDER, subject="Показания", text="Передайте", event_key="readings:2026-11"
            )
            for u in users
        ]
        return tell(events)

    assert sum(at_once(run, THREADS)) == 5
    assert Notification.objects.count() == 5
    assert OutboxMessage.objects.count() == 5


def test_one_row_is_claimed_by_one_worker():
    send_sms("+79161234567", "Текст")
    row = OutboxMessage.objects.get()
    # The commit queued it: nothing is due any more, so put it back and let four workers race for it.
    OutboxMessage.objects.filter(pk=row.pk).update(state=OutboxMessage.State.PENDING, attempts=0)
    claims = at_once(lambda: outbox.claim(row.pk), THREADS)
    assert sum(1 for c in claims if c is not None) == 1
    assert OutboxMessage.objects.get().attempts == 1
