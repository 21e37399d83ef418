"""The leads' weekly digest: its figures, its chart image, and its delivery to Slack with
``files_upload_v2`` through the outbox (against the Web API stand-in)."""

from __future__ import annotations

from datetime import UTC, datetime

from actions.digest import digest_figures, queue_digests
from actions.outbox import deliver_due
from actions.reports import Period
from bot.cli import main as cli
from bot.slack.client import make_client
from bot.slack.deliver import SlackDeliverer
from tests.slack.stand_in import SlackStandIn

WEEK = Period(datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 9, tzinfo=UTC))
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_week_beside_the_week_before(sqlite_services, month):
    d = digest_figures(sqlite_services.uow(), WEEK, at=datetime(2026, 12, 1, tzinfo=UTC))
    # 2-8 November: inc1, inc2 and inc3 opened; inc1 and inc2 resolved; inc3 still open
    assert (d["week"]["opened"], d["week"]["resolved"], d["week"]["still_open"]) == (3, 2, 1)
    assert d["previous"]["opened"] == 0
    assert d["days"][0] == "2026-11-02" and len(d["days"]) == 7
    assert d["per_day"] == [["2026-11-02", "slack", 1], ["2026-11-03", "email", 1],
                            ["2026-11-05", "slack", 1]]


def test_dry_run_writes_the_chart_and_prints_the_figures(sqlite_services, month, monkeypatch,
                                                         capsys, tmp_path):
    monkeypatch.setenv("DESKBOT_DATABASE_URL", str(sqlite_services.engine.url))
    out = tmp_path / "digest.png"
    assert cli(["report", "digest", "--dry-run", "--since", "2026-11-02", "--until",
                "2026-11-08", "--out", str(out), "--lang", "en"]) == 0
    assert out.read_bytes()[:8] == PNG and out.stat().st_size > 5_000
    text = capsys.readouterr().out
    assert "3 opened (0)" in text and "2 resolved (0)" in text
    assert sqlite_services.engine.connect().exec_driver_sql(
        "SELECT count(*) FROM outbox WHERE template = 'digest'").scalar() == 0


def test_each_lead_gets_one_digest_with_its_chart_in_slack(sqlite_services, month, cast):
    api = SlackStandIn().start()
    try:
        assert queue_digests(sqlite_services.uow(), WEEK) == 2  # Marta (lead) and the admin
        assert queue_digests(sqlite_services.uow(), WEEK) == 0  # the same week: nothing new
        client = make_client("xoxb-test", api.url)
        deliver_due(sqlite_services, {"slack": SlackDeliverer(sqlite_services, client)})
        completes = api.calls_to("files.completeUploadExternal")
        assert len(completes) == 1  # the admin has no Slack id: listed as a failure instead
        body = completes[0].body
        assert body["channel_id"] == f"D{cast.marta.address('slack')}"
        assert "Resumen semanal" in body["initial_comment"]  # Marta reads Spanish
        assert "3 abiertos (0)" in body["initial_comment"]
        (upload,) = api.uploads.values()
        assert upload[:8] == PNG
    finally:
        api.stop()
