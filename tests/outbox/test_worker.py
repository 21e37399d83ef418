"""The outbox worker: delivered once, retried with back-off, failures recorded, leases honoured."""

from __future__ import annotations

from actions import work
from actions.outbox import DeliveryError, RetryPolicy, claim, deliver_due, retry
from bot.cli import main
from tests.outbox.conftest import Recorder, at, open_one, permanent, rows, url_of


def test_each_message_is_delivered_once(services, cast, settings, clock):
    key = open_one(services, cast, settings)
    slack = Recorder()
    report = deliver_due(services, {"slack": slack})
    assert len(report.delivered) == 1 and not report.retried
    [item] = slack.items
    assert (item.template, item.ticket_key, item.recipient["type"]) == ("routed", key, "team")
    assert item.context["ticket"]["key"] == key and item.attempts == 1
    assert deliver_due(services, {"slack": slack}).claimed == 0
    [row] = rows(services)
    assert row.status == "delivered" and row.delivered_at == at(0)


def test_rows_of_a_channel_without_deliverer_stay_untouched(services, cast, settings, clock):
    key = open_one(services, cast, settings)
    work.claim(services.uow(), key=key, actor_id=cast.ana.id)  # tells the requester (console)
    console = Recorder()
    deliver_due(services, {"console": console})
    assert [i.template for i in console.items] == ["claimed"]
    slack_row = next(r for r in rows(services) if r.channel == "slack")
    assert (slack_row.status, slack_row.attempts, slack_row.last_error) == ("pending", 0, None)


def test_retry_after_is_honoured_then_back_off_grows(services, cast, settings, clock):
    open_one(services, cast, settings)
    slack = Recorder(DeliveryError("ratelimited", retryable=True, retry_after=30),
                     DeliveryError("http_500", retryable=True))
    assert deliver_due(services, {"slack": slack}).retried
    [row] = rows(services)
    assert row.status == "pending" and row.last_error == "ratelimited"
    assert row.next_attempt_at >= at(30)
    clock.move_to(at(29))
    assert deliver_due(services, {"slack": slack}).claimed == 0  # not before Retry-After
    clock.move_to(at(30))
    assert deliver_due(services, {"slack": slack}).retried
    [row] = rows(services)
    # Second attempt failed: 5 s * 2 = 10 s, jittered to between 5 and 10 s.
    assert at(35) <= row.next_attempt_at <= at(40)
    clock.move_to(at(40))
    assert deliver_due(services, {"slack": slack}).delivered
    assert slack.calls == 3 and len(slack.items) == 1
    assert rows(services)[0].attempts == 3


def test_a_deliverer_crash_counts_as_a_retryable_error(services, cast, settings, clock):
    open_one(services, cast, settings)
    deliver_due(services, {"slack": Recorder(ConnectionResetError("peer reset"))})
    [row] = rows(services)
    assert row.status == "pending" and "ConnectionResetError" in row.last_error


def test_permanent_errors_are_recorded_shown_and_retried_only_by_hand(
        services, cast, settings, clock, capsys, monkeypatch):
    open_one(services, cast, settings)
    slack = Recorder(permanent("channel_not_found"))
    assert deliver_due(services, {"slack": slack}).failed
    clock.move_to(at(3600))
    assert deliver_due(services, {"slack": slack}).claimed == 0  # never retried by itself
    [row] = rows(services)
    assert (row.status, row.last_error) == ("failed", "channel_not_found")

    monkeypatch.setenv("DESKBOT_DATABASE_URL", url_of(services))
    assert main(["outbox", "list", "--failed"]) == 0
    out = capsys.readouterr().out
    assert "channel_not_found" in out and "routed" in out and f"{row.id} " in out
    assert main(["outbox", "retry", str(row.id)]) == 0
    assert main(["outbox", "retry", "999"]) == 1
    capsys.readouterr()
    assert deliver_due(services, {"slack": slack}).delivered
    assert main(["outbox", "list", "--failed"]) == 0
    assert "ningún mensaje fallido" in capsys.readouterr().out


def test_too_many_attempts_end_as_failed(services, cast, settings, clock):
    open_one(services, cast, settings)
    policy = RetryPolicy(base_seconds=1, cap_seconds=1, max_attempts=3)
    slack = Recorder(*[DeliveryError("http_503", retryable=True)] * 5)
    for step in range(5):
        clock.move_to(at(10 * step))
        deliver_due(services, {"slack": slack}, policy=policy)
    [row] = rows(services)
    assert row.status == "failed" and row.attempts == 3 and slack.calls == 3
    assert row.last_error == "gave up after 3 attempts: http_503"


def test_a_message_claimed_by_a_process_that_died_is_retried_after_its_lease(
        services, cast, settings, clock):
    open_one(services, cast, settings)
    policy = RetryPolicy(lease_seconds=120)
    [lost] = claim(services, ["slack"], limit=10, now=at(0), policy=policy)  # then it "dies"
    slack = Recorder()
    clock.move_to(at(119))
    assert deliver_due(services, {"slack": slack}, policy=policy).claimed == 0
    clock.move_to(at(121))
    assert deliver_due(services, {"slack": slack}, policy=policy).delivered
    assert [i.key for i in slack.items] == [lost.key] and slack.items[0].attempts == 2
    # The first process waking up late cannot overwrite the outcome.
    from actions.outbox import _finish

    assert _finish(services, lost, status="pending") is False
    assert rows(services)[0].status == "delivered"


def test_retry_refuses_delivered_messages(services, cast, settings, clock):
    open_one(services, cast, settings)
    deliver_due(services, {"slack": Recorder()})
    assert rows(services)[0].status == "delivered"
    assert retry(services, rows(services)[0].id) is False


def test_outbox_deliver_prints_console_messages(services, cast, settings, clock, capsys,
                                                monkeypatch):
    key = open_one(services, cast, settings)
    work.claim(services.uow(), key=key, actor_id=cast.ana.id)
    monkeypatch.setenv("DESKBOT_DATABASE_URL", url_of(services))
    assert main(["outbox", "deliver"]) == 0
    out = capsys.readouterr().out
    assert f"{key} -> hilo {key} [claimed]" in out  # the message's language: es
    assert "Ana Torres está atendiendo tu ticket" in out and "EN CURSO" in out
    assert "entregados 1, reintentados 0, fallidos 0" in out
