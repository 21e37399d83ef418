"""A team without a triage channel: new tickets are not a pile of delivery failures."""

from slack_sdk import WebClient

from actions.intake import NewTicket, open_ticket
from actions.outbox import deliver_due
from bot.slack.deliver import SlackDeliverer
from tests.outbox.conftest import rows


def test_team_card_without_a_triage_channel_is_skipped_not_delivered(sqlite_services, settings,
                                                                      cast):
    assert not settings.teams["L1"].slack_channel  # the repository's config.yml
    open_ticket(sqlite_services.uow(), settings, NewTicket(
        requester_id=cast.carlos.id, description="Teclado roto", category="hardware"))
    nowhere = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")  # never called
    deliver_due(sqlite_services, {"slack": SlackDeliverer(sqlite_services, nowhere)})
    routed = [r for r in rows(sqlite_services) if r.template == "routed"]
    assert [(r.status, r.last_error) for r in routed] == [("skipped", "skipped: no channel")]
