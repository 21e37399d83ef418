"""The desk's Web API client posts a message with plain data through its own short path: Slack
must get the same request, and the caller the same answer, retries and errors, as through
slack_sdk's ``chat_postMessage``."""

from __future__ import annotations

import http.client
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import SectionBlock

from bot.blocks.conversation import turn_payloads
from bot.slack.client import KeepAliveClient, _header_dict, make_client
from tests.slack.stand_in import SlackStandIn

REPLIES = [{"text": "Encontré una respuesta: *VPN* &gt; `443` ñandú 🙂",
            "buttons": [{"title": "Esto lo resolvió", "payload": '/faq_solved{"id": "vpn"}'},
                        {"title": "Abrir ticket", "payload": "/open_ticket"}]}]


def message(**extra: Any) -> dict[str, Any]:
    [(text, blocks)] = turn_payloads(REPLIES)
    return {"channel": "DUEMMA", "thread_ts": "1800000000.000001", "text": text,
            "blocks": blocks, "unfurl_links": False, "unfurl_media": False,
            "reply_broadcast": False, "metadata": {"event_type": "deskbot_notice",
                                                   "event_payload": {"key": "reply:1:0"}},
            **extra}


@pytest.fixture
def api() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn().start()
    yield stand_in
    stand_in.stop()


def lean(client: KeepAliveClient, kwargs: dict[str, Any]) -> Any:
    answer = client.lean_post_message(dict(kwargs))
    assert answer is not None, "plain data takes the short path"
    return answer


def stock(client: KeepAliveClient, kwargs: dict[str, Any]) -> Any:
    return WebClient.chat_postMessage(client, **kwargs)


def sent(api: SlackStandIn) -> list[tuple[str, dict[str, str]]]:
    """Each recorded post as its JSON text (key order included) and its headers."""
    return [(json.dumps(call.body), call.headers) for call in api.calls_to("chat.postMessage")]


def test_a_reply_goes_out_as_slack_sdk_would_send_it(api: SlackStandIn) -> None:
    client = make_client("xoxb-test", api.url)
    assert isinstance(client, KeepAliveClient)
    for kwargs in (message(), message(reply_broadcast=True, metadata=None, thread_ts=None)):
        api.reset()
        answers = [post(client, kwargs) for post in (stock, lean)]
        [(body, headers), again] = sent(api)
        assert again == (body, headers)
        assert json.loads(body)["blocks"] == kwargs["blocks"]
        assert [a.status_code for a in answers] == [200, 200]
        assert [a["message"]["text"] for a in answers] == [kwargs["text"]] * 2


def test_block_objects_still_take_slack_sdks_path(api: SlackStandIn) -> None:
    client = make_client("xoxb-test", api.url)
    kwargs = message(blocks=[SectionBlock(text="hola")])
    assert client.lean_post_message(dict(kwargs)) is None
    client.chat_postMessage(**kwargs)
    assert api.calls_to("chat.postMessage")[0].body["blocks"] == [
        {"text": {"text": "hola", "type": "mrkdwn"}, "type": "section"}]


def outcome(api: SlackStandIn, post: Callable[[KeepAliveClient, dict[str, Any]], Any],
            script: Callable[[SlackStandIn], None]) -> tuple[Any, ...]:
    api.reset()
    script(api)
    try:
        answer = post(make_client("xoxb-test", api.url), message())
        result: tuple[Any, ...] = ("ok", answer.status_code)
    except SlackApiError as exc:
        result = ("SlackApiError", exc.response.status_code, exc.response.get("error"),
                  exc.response.headers.get("Retry-After"))
    return (*result, len(api.calls_to("chat.postMessage")))


@pytest.mark.parametrize("script", [
    lambda api: api.fail("chat.postMessage", status=429, retry_after=0),
    lambda api: api.fail("chat.postMessage", status=429, retry_after=0, times=2),
    lambda api: api.fail("chat.postMessage", status=500),
    lambda api: api.fail("chat.postMessage", status=503, times=2),
    lambda api: api.fail("chat.postMessage", error="channel_not_found"),
], ids=["429-once", "429-twice", "500-once", "503-twice", "channel_not_found"])
def test_retries_and_errors_are_slack_sdks(api: SlackStandIn,
                                           script: Callable[[SlackStandIn], None]) -> None:
    expected = outcome(api, stock, script)
    assert outcome(api, lean, script) == expected
    assert expected[0] == "SlackApiError" or expected[-1] == 2  # retried once inside the call


SLACK_HEADERS = (
    b"date: Tue, 01 Dec 2026 05:00:00 GMT\r\nserver: Apache\r\nvary: Accept-Encoding\r\n"
    b"x-slack-req-id: 3f1e0c0b2a9d8c7e\r\nx-oauth-scopes: chat:write,im:history\r\n"
    b"access-control-expose-headers: x-slack-req-id, retry-after\r\n"
    b"strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n"
    b"content-type: application/json; charset=utf-8\r\ncontent-length: 2\r\n"
    b"via: envoy-www-iad-xyz, envoy-edge-iad-abc\r\nx-edge-backend: envoy-www\r\n\r\n")


@pytest.mark.parametrize("block", [
    SLACK_HEADERS,
    b"A: 1\r\na: 2\r\nA: 3\r\nContent-Type: x\r\ncontent-type: y\r\n\r\n",
    b"X:\r\nY:   \t spaced \t \r\nRetry-After: 20\r\n\r\n",
    b"X: caf\xe9 \x85 ok\r\nY: 1\nZ: 2\n\n",
    b"X: folded\r\n  more\r\nY: 1\r\n\r\n",  # the email parser's work from here on
    b"Bad Name: 1\r\nY: 2\r\n\r\n",
    b"X: a\rb\r\n\r\n",
    b"From nobody\r\nX: 1\r\n\r\n",
    b": empty\r\nX: 1\r\n\r\n",
    b"X: 1\r\nY: 2\r\n",  # the server closed before the blank line
])
def test_response_headers_are_the_dict_slack_sdk_makes_of_them(block: bytes) -> None:
    message = http.client.parse_headers(io.BytesIO(block))
    assert list(_header_dict(message).items()) == list(dict(message).items())
