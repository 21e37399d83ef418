"""The one way the desk builds a Slack ``WebClient``: its base URL and its retry policy.

Retries: a connection error, a 429 (sleeping ``Retry-After``) and a 500/503 are each retried once
inside the call. Anything still failing surfaces as ``SlackApiError`` to the caller: listeners let
it reach the app's error handler; the outbox deliverer turns it into a retryable or permanent
``DeliveryError`` so the outbox retries later rather than blocking a thread for long.

A request run again by the inbox (its first run died or failed half-way) must not post what the
first run already posted: while an inbox job runs, each ``chat.postMessage`` of the turn carries
``<inbox key>#<n>`` in its metadata, and on a later attempt the thread is read first and a message
already carrying that mark is not posted again (the outbox deliverer does the same per message).
"""

from __future__ import annotations

import email.message
import email.policy
import http.client
import io
import json
import logging
import threading
from typing import Any
from urllib.error import HTTPError
from urllib.parse import SplitResult, urljoin, urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.web.internal_utils import (
    _build_unexpected_body_error_message,
    _get_headers,
    _warn_if_message_text_content_is_missing,
)
from slack_sdk.web.slack_response import SlackResponse

SLACK_API_URL = "https://slack.com/api/"


def retry_handlers() -> list:  # type: ignore[type-arg]
    return [
        ConnectionErrorRetryHandler(max_retry_count=1),
        RateLimitErrorRetryHandler(max_retry_count=1),
        ServerErrorRetryHandler(max_retry_count=1),
    ]


def api_url(base_url: str | None) -> str:
    """``DESKBOT_SLACK_API_URL`` with the trailing slash WebClient needs."""
    url = base_url or SLACK_API_URL
    return url if url.endswith("/") else url + "/"


TURN_MARK = "deskbot_turn"

#: ``WebClient.chat_postMessage``'s arguments, in the order it puts them in the JSON body.
POST_MESSAGE_ARGS = (
    "channel", "text", "as_user", "attachments", "blocks", "thread_ts", "reply_broadcast",
    "unfurl_links", "unfurl_media", "container_id", "icon_emoji", "icon_url", "mrkdwn",
    "link_names", "username", "parse", "metadata", "markdown_text",
)
_POST_MESSAGE_ARG_SET = frozenset(POST_MESSAGE_ARGS)


def _send_in_one_write(connection: http.client.HTTPConnection, message_body: Any = None,
                       encode_chunked: bool = False) -> None:
    """``HTTPConnection._send_output`` for a bytes body: the request's head and body in one
    write, i.e. one system call and one packet instead of two (and, on a real network, no wait
    for the server's delayed ACK of the head). Anything else is sent as http.client does."""
    if not isinstance(message_body, bytes) or encode_chunked:
        http.client.HTTPConnection._send_output(  # type: ignore[attr-defined]
            connection, message_body, encode_chunked)
        return
    buffer: list[bytes] = connection._buffer  # type: ignore[attr-defined]
    buffer.extend((b"", message_body))
    data = b"\r\n".join(buffer)
    del buffer[:]
    connection.send(data)


def _header_dict(message: http.client.HTTPMessage) -> dict[str, Any]:
    """``dict(message)`` (each name with its first value, as ``message[name]`` gives it)
    without the quadratic walk: what slack_sdk puts in ``SlackResponse.headers``. The values
    are returned as they are, as compat32 does for text without surrogates, which text decoded
    from ISO-8859-1 (as http.client decodes headers) never has."""
    if message.policy is not email.policy.compat32:
        return dict(message)
    first: dict[str, Any] = {}
    out: dict[str, Any] = {}
    for name, value in message._headers:  # type: ignore[attr-defined]
        out[name] = first.setdefault(name.lower(), value)
    return out


class _Connection(http.client.HTTPConnection):
    _send_output = _send_in_one_write


class _TLSConnection(http.client.HTTPSConnection):
    _send_output = _send_in_one_write


def _content_type(value: str) -> tuple[str, str | None]:
    """(type, charset) of a Content-Type header as ``email.message.Message`` reads it."""
    message = email.message.Message()
    message["Content-Type"] = value
    return message.get_content_type(), message.get_content_charset()


class KeepAliveClient(WebClient):
    """``WebClient`` that keeps one HTTP connection per thread and host open between calls.

    slack_sdk sends each call through ``urlopen``, which opens (and for HTTPS, handshakes) a new
    connection every time and closes it after the answer: about a millisecond of CPU per call
    in a turn that makes one or two. Here each thread reuses its own ``http.client`` connection;
    answers (and HTTP errors, raised as ``HTTPError`` as urllib does) reach slack_sdk's retry
    handlers exactly as before. A connection the server closed while idle is reopened and the
    request sent once more; with a proxy the stock transport is used.

    A ``chat.postMessage`` with plain data (every conversation reply) skips slack_sdk's generic
    argument processing (``lean_post_message``): it costs more CPU than the exchange itself, a
    debug line formatted with the whole body on every call included. The request, the retry
    loop and the ``SlackResponse`` (or ``SlackApiError``) are slack_sdk's own.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections = threading.local()
        # Parsed once each (a handful of distinct values): URLs, Content-Type headers, and the
        # JSON request headers slack_sdk would build for the current token and headers.
        self._urls: dict[str, SplitResult] = {}
        self._api_urls: dict[tuple[str, str], str] = {}
        self._content_types: dict[str, tuple[str, str | None]] = {}
        self._json_headers: tuple[tuple[Any, ...], dict[str, str]] | None = None

    def post_json(self, api_method: str, body: dict[str, Any]) -> SlackResponse:
        """``api_call(api_method, json=body)`` without its generic argument processing, for a
        body that is plain JSON data already (no files, no model objects, no token in it); the
        body is the request's JSON as it is (with the client's default params added).

        The request goes through slack_sdk's own retry loop (``_perform_urllib_http_request``:
        the same retry handlers, the same ``HTTPError`` handling) and comes back as the same
        ``SlackResponse``, validated (``SlackApiError`` when Slack says no); the headers and the
        body are those ``api_call`` sends. With debug logging on, ``api_call`` itself is used,
        so the request is logged as slack_sdk logs it.
        """
        if self._logger.isEnabledFor(logging.DEBUG):
            return self.api_call(api_method, json=body)
        for name, value in self.default_params.items():
            body.setdefault(name, value)
        url = self._api_urls.get((self.base_url, api_method))
        if url is None:
            url = urljoin(self.base_url, api_method.lstrip("/"))  # as api_call joins them
            if len(self._api_urls) < 256:
                self._api_urls[(self.base_url, api_method)] = url
        request_args: dict[str, Any] = {"headers": self._json_request_headers(), "data": {},
                                        "params": None, "files": None, "json": body}
        response = self._perform_urllib_http_request(url=url, args=request_args)
        data: Any = response.get("body")
        if "parsed_body" in response:
            data = response["parsed_body"]
        elif data is not None and not isinstance(data, bytes):
            try:
                data = json.loads(data)
            except json.JSONDecodeError:
                message = _build_unexpected_body_error_message(data)
                self._logger.error(f"Failed to decode Slack API response: {message}")
                data = {"ok": False, "error": message}
        request_args["params"] = {}  # as api_call leaves them
        return SlackResponse(client=self, http_verb="POST", api_url=url, req_args=request_args,
                             data=data, headers=dict(response["headers"]),
                             status_code=response["status"]).validate()

    def _json_request_headers(self) -> dict[str, str]:
        """A fresh copy of the headers ``api_call`` gives a JSON request (built by slack_sdk's
        own functions, again whenever the token or the client's headers change)."""
        key = (self.token, tuple(self.headers.items()))
        cached = self._json_headers
        if cached is None or cached[0] != key:
            headers = dict(self.headers)
            given = _get_headers(headers=headers, token=self.token, has_json=True,
                                 has_files=False, request_specific_headers=headers)
            built = self._build_urllib_request_headers(
                token=self.token, has_json=True, has_files=False,  # type: ignore[arg-type]
                additional_headers=given)
            cached = self._json_headers = (key, built)
        return dict(cached[1])

    def lean_post_message(self, kwargs: dict[str, Any]) -> SlackResponse | None:
        """``chat.postMessage`` through ``post_json`` when its arguments are plain data (known
        arguments; blocks and metadata already dicts; no attachments): the JSON body is the
        one ``chat_postMessage`` builds, key for key. None: the caller takes the stock path."""
        if not _POST_MESSAGE_ARG_SET.issuperset(kwargs) or kwargs.get("attachments") is not None:
            return None
        blocks = kwargs.get("blocks")
        if blocks is not None and (not isinstance(blocks, list)
                                   or not all(type(block) is dict for block in blocks)):
            return None
        metadata = kwargs.get("metadata")
        if metadata is not None and type(metadata) is not dict:
            return None
        body = {name: kwargs[name] for name in POST_MESSAGE_ARGS
                if kwargs.get(name) is not None}
        _warn_if_message_text_content_is_missing("chat.postMessage", body)
        return self.post_json("chat.postMessage", body)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = self._urls.get(url)
        if parts is None:
            parts = urlsplit(url)
            if len(self._urls) < 256:
                self._urls[url] = parts
        if self.proxy is not None or parts.scheme.lower() not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        headers = dict(req.header_items())
        pool: dict[tuple[str, str], http.client.HTTPConnection] | None = getattr(
            self._connections, "pool", None)
        if pool is None:
            pool = self._connections.pool = {}
        key = (parts.scheme.lower(), parts.netloc)
        for attempt in (1, 2):
            reused = key in pool
            connection = pool.get(key) or self._connect(*key)
            pool[key] = connection
            try:
                connection.request(req.get_method(), target, body=req.data, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                pool.pop(key, None)
                connection.close()
                if reused and attempt == 1:
                    continue  # the server closed the idle connection: a fresh one, once
                raise
            except BaseException:
                pool.pop(key, None)
                connection.close()
                raise
            break
        if response.will_close:
            pool.pop(key, None)
            connection.close()
        if response.status >= 400:
            raise HTTPError(url, response.status, response.reason, response.msg, io.BytesIO(body))
        content_type, charset = self._content_type(response.msg.get("Content-Type"))
        if content_type == "application/gzip":
            return {"status": response.status, "headers": response.msg, "body": body}
        # The headers as the plain dict every reader of them makes of them (slack_sdk's
        # ``dict(headers)``), made once here.
        return {"status": response.status, "headers": _header_dict(response.msg),
                "body": body.decode(charset or "utf-8")}

    def _content_type(self, value: str | None) -> tuple[str, str | None]:
        if value is None:
            return "text/plain", None  # email.message's default
        known = self._content_types.get(value)
        if known is None:
            known = _content_type(value)
            if len(self._content_types) < 64:
                self._content_types[value] = known
        return known

    def _connect(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        if scheme == "https":
            return _TLSConnection(netloc, timeout=self.timeout, context=self.ssl)
        return _Connection(netloc, timeout=self.timeout)


class DeskClient(KeepAliveClient):
    """``WebClient`` whose posts during an inbox job are recognisable on a re-run."""

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:  # noqa: N802 - Slack's name
        from actions.inbox import current_job

        job = current_job.get()
        if job is None or kwargs.get("metadata"):
            return self._post_message(kwargs)
        mark = f"{job.row.key}#{job.next_index('post')}"
        if job.row.attempts > 1:
            found = self._already_posted(str(kwargs.get("channel")), kwargs.get("thread_ts"),
                                         mark)
            if found is not None:
                return found
        kwargs["metadata"] = {"event_type": TURN_MARK, "event_payload": {"mark": mark}}
        return self._post_message(kwargs)

    def _post_message(self, kwargs: dict[str, Any]) -> SlackResponse:
        answer = self.lean_post_message(kwargs)
        return answer if answer is not None else super().chat_postMessage(**kwargs)

    def _already_posted(self, channel: str, thread_ts: str | None, mark: str,
                        ) -> SlackResponse | None:
        if thread_ts:
            found = self.conversations_replies(channel=channel, ts=thread_ts, limit=200,
                                               include_all_metadata=True)
        else:
            found = self.conversations_history(channel=channel, limit=50,
                                               include_all_metadata=True)
        for message in found.get("messages") or []:
            payload = ((message.get("metadata") or {}).get("event_payload") or {})
            if payload.get("mark") == mark:
                return SlackResponse(client=self, http_verb="POST", api_url="",
                                     req_args={}, headers={}, status_code=200,
                                     data={"ok": True, "channel": channel,
                                           "ts": message.get("ts"), "message": message})
        return None


def make_client(token: str | None, base_url: str | None = None, *, timeout: int = 10,
                ) -> WebClient:
    return DeskClient(token=token, base_url=api_url(base_url), timeout=timeout,
                      retry_handlers=retry_handlers())
