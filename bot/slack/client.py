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

import http.client
import io
import threading
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
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


class KeepAliveClient(WebClient):
    """``WebClient`` that keeps one HTTP connection per thread and host open between calls.

    slack_sdk sends each call through ``urlopen``, which opens (and for HTTPS, handshakes) a new
    connection every time and closes it after the answer: about a millisecond of CPU per call
    in a turn that makes one or two. Here each thread reuses its own ``http.client`` connection;
    answers (and HTTP errors, raised as ``HTTPError`` as urllib does) reach slack_sdk's retry
    handlers exactly as before. A connection the server closed while idle is reopened and the
    request sent once more; with a proxy the stock transport is used.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
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
        if response.msg.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": response.msg, "body": body}
        charset = response.msg.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.msg,
                "body": body.decode(charset)}

    def _connect(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        if scheme == "https":
            return http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self.ssl)
        return http.client.HTTPConnection(netloc, timeout=self.timeout)


class DeskClient(KeepAliveClient):
    """``WebClient`` whose posts during an inbox job are recognisable on a re-run."""

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:  # noqa: N802 - Slack's name
        from actions.inbox import current_job

        job = current_job.get()
        if job is None or kwargs.get("metadata"):
            return super().chat_postMessage(**kwargs)
        mark = f"{job.row.key}#{job.next_index('post')}"
        if job.row.attempts > 1:
            found = self._already_posted(str(kwargs.get("channel")), kwargs.get("thread_ts"),
                                         mark)
            if found is not None:
                return found
        kwargs["metadata"] = {"event_type": TURN_MARK, "event_payload": {"mark": mark}}
        return super().chat_postMessage(**kwargs)

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
