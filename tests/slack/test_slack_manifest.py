"""manifest.yml creates an app that sends the app everything it listens for, and no more."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.ids import CallbackId

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_matches_the_app() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    assert features["app_home"]["home_tab_enabled"] and features["app_home"][
        "messages_tab_enabled"]
    assert [c["command"] for c in features["slash_commands"]] == ["/ticket"]
    assert {s["callback_id"] for s in features["shortcuts"]} == {
        CallbackId.OPEN_TICKET_SHORTCUT, CallbackId.SECURITY_SHORTCUT,
        CallbackId.MESSAGE_TICKET_SHORTCUT}
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "app_mention", "message.im", "message.channels", "message.groups"}
    assert settings["interactivity"]["is_enabled"]
    urls = {settings["event_subscriptions"]["request_url"],
            settings["interactivity"]["request_url"],
            settings["interactivity"]["message_menu_options_url"],  # searching selects
            features["slash_commands"][0]["url"]}
    assert urls == {"https://YOUR-HOST/slack/events"}
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"app_mentions:read", "channels:history", "groups:history", "im:history",
                      "im:write", "chat:write", "commands", "users:read", "users:read.email"}
