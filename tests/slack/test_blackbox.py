"""``deskbot run`` as a real process, spoken to exactly as Slack speaks to it.

Nothing in-process: the database is migrated and the technicians registered with the command
line, the server is ``deskbot run --port`` in a subprocess whose Web API is the stand-in, and
every request is what Slack really sends (the full envelopes and form fields, rich-text blocks,
retry headers, ephemeral containers). What the desk did is read from the stand-in's recorded
calls and from ``deskbot ticket show --json``; its stderr must never hold a traceback.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.conftest import fresh_postgres_database
from tests.slack.conftest import blocks_text
from tests.slack.stand_in import BOT_ID, BOT_USER_ID, TEAM_ID, SlackStandIn, slack_user

SECRET = "blackbox-signing-secret"
APP_ID = "A0DESK"
DESKBOT = Path(sys.executable).with_name("deskbot")
KEY = re.compile(r"\b(?:INC|REQ|SEC)-\d+\b")
#: Ceiling for anything the test waits on: a condition polled until true, so a busy machine
#: (many test processes on two cores) slows the test down instead of failing it.
PATIENCE = 120.0
TECHNICIANS = (("UANA", "Ana Torres", "L1"), ("ULUIS", "Luis Pérez", "L2"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    status: int
    body: str


class Desk:
    """The running process, its stand-in, and a client that sends what Slack sends."""

    def __init__(self, api: SlackStandIn, env: dict[str, str], log: Path) -> None:
        self.api, self.env, self.log = api, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._n = itertools.count(1)

    # --- the process ----------------------------------------------------------------------
    def cli(self, *args: str) -> str:
        done = subprocess.run([str(DESKBOT), *args], env=self.env, capture_output=True,
                              text=True, timeout=PATIENCE)
        assert done.returncode == 0, f"deskbot {' '.join(args)}: {done.stderr}"
        return done.stdout

    def start(self) -> None:
        """``deskbot run`` on a free port; another port if that one was taken meanwhile."""
        for _ in range(3):
            if self._start_on(_free_port()):
                return
        raise AssertionError(f"deskbot run could not start: {self.stderr()}")

    def _start_on(self, port: int) -> bool:
        self.url = f"http://127.0.0.1:{port}"
        with self.log.open("wb") as err:
            self.process = subprocess.Popen(
                [str(DESKBOT), "run", "--host", "127.0.0.1", "--port", str(port)],
                env=self.env, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + PATIENCE
        while True:
            if self.process.poll() is not None:
                if "address already in use" in self.stderr().lower():
                    return False
                raise AssertionError(f"deskbot run exited: {self.stderr()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return True
            except OSError:
                pass
            assert time.monotonic() < deadline, "deskbot run never answered /healthz"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=PATIENCE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=PATIENCE)

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def ticket(self, key: str) -> dict[str, Any]:
        return json.loads(self.cli("ticket", "show", key, "--json"))

    def tickets(self) -> list[dict[str, Any]]:
        return json.loads(self.cli("ticket", "list", "--json"))

    # --- sending as Slack -----------------------------------------------------------------
    def ts(self) -> str:
        return f"{int(time.time())}.{next(self._n):06d}"

    def post(self, body: str | bytes, content_type: str, *, headers: dict[str, str] | None = None,
             timestamp: int | None = None, signature: str | None = None) -> Answer:
        raw = body.encode() if isinstance(body, str) else body
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or SignatureVerifier(SECRET).generate_signature(
            timestamp=stamp, body=raw.decode("utf-8", errors="replace"))
        request = urllib.request.Request(
            f"{self.url}/slack/events", data=raw, method="POST",
            headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                     "X-Slack-Signature": sig, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                     **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=PATIENCE) as answer:
                return Answer(answer.status, answer.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode())

    def envelope(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "team_id": TEAM_ID, "context_team_id": TEAM_ID,
            "context_enterprise_id": None, "api_app_id": APP_ID, "event": event,
            "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:9].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID,
                                "user_id": BOT_USER_ID, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": "4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMERFU0sifQ",
        }

    def event(self, event: dict[str, Any], *, event_id: str | None = None,
              retry: int | None = None) -> Answer:
        headers = ({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
                   if retry else None)
        return self.post(json.dumps(self.envelope(event, event_id)), "application/json",
                         headers=headers)

    def message(self, user: str, text: str, *, channel: str | None = None,
                channel_type: str = "im", thread_ts: str | None = None,
                **extra: Any) -> dict[str, Any]:
        """A ``message`` event as Slack sends it for a person typing ``text``."""
        ts = self.ts()
        event: dict[str, Any] = {
            "client_msg_id": str(uuid.uuid4()), "type": "message", "text": text, "user": user,
            "ts": ts, "blocks": [rich_text(text)], "team": TEAM_ID,
            "channel": channel or f"D{user}", "event_ts": ts, "channel_type": channel_type}
        if thread_ts:
            event["thread_ts"] = thread_ts
            event["parent_user_id"] = user
        event.update(extra)
        return event

    def dm(self, user: str, text: str, **kw: Any) -> dict[str, Any]:
        """Send a DM; returns the event (its ``ts`` is the thread the answer goes to)."""
        event = self.message(user, text, thread_ts=kw.pop("thread_ts", None))
        assert self.event(event, **kw).status == 200
        return event

    def command(self, user: str, text: str, *, name: str = "carlos") -> tuple[Answer, str]:
        hook = f"cmd{next(self._n)}"
        form = {
            "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "team_id": TEAM_ID, "team_domain": "desk",
            "channel_id": f"D{user}", "channel_name": "directmessage", "user_id": user,
            "user_name": name, "command": "/ticket", "text": text, "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.api.response_url(hook),
            "trigger_id": f"{next(self._n)}.{TEAM_ID}.{uuid.uuid4().hex}",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded"), hook

    def interact(self, payload: dict[str, Any]) -> Answer:
        payload = {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "api_app_id": APP_ID,
                   "team": {"id": TEAM_ID, "domain": "desk"}, "enterprise": None,
                   "is_enterprise_install": False,
                   "trigger_id": f"{next(self._n)}.{TEAM_ID}.{uuid.uuid4().hex}", **payload}
        return self.post(urlencode({"payload": json.dumps(payload)}),
                         "application/x-www-form-urlencoded")

    def click(self, user: str, message: dict[str, Any], channel: str, element: dict[str, Any],
              block_id: str, *, ephemeral: bool = False) -> Answer:
        """``block_actions`` for a button; an ephemeral message's payload has no ``message``."""
        container = {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                     "is_ephemeral": ephemeral}
        if message.get("thread_ts"):
            container["thread_ts"] = message["thread_ts"]
        payload: dict[str, Any] = {
            "type": "block_actions", "user": _user(user), "container": container,
            "channel": {"id": channel, "name": "directmessage"}, "state": {"values": {}},
            "response_url": self.api.response_url("act"),
            "actions": [{"action_id": element["action_id"], "block_id": block_id,
                         "text": element.get("text") or {"type": "plain_text", "text": "x"},
                         "value": element.get("value"), "type": "button",
                         "action_ts": f"{time.time():.6f}"}]}
        if not ephemeral:
            payload["message"] = {"user": BOT_USER_ID, "type": "message", "ts": message["ts"],
                                  "bot_id": BOT_ID, "app_id": APP_ID,
                                  "text": message.get("text"), "team": TEAM_ID,
                                  "blocks": message.get("blocks") or [],
                                  **({"thread_ts": message["thread_ts"],
                                      "parent_user_id": user} if message.get("thread_ts")
                                     else {})}
        return self.interact(payload)

    # --- what the desk did ----------------------------------------------------------------
    def posts(self, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
        return [c.body for c in self.api.calls_to("chat.postMessage")
                if c.body.get("channel") == channel
                and (thread_ts is None or c.body.get("thread_ts") == thread_ts)]

    def wait_post(self, channel: str, thread_ts: str | None, contains: str = "",
                  timeout: float = PATIENCE) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next((b for b in self.posts(channel, thread_ts)
                         if contains in blocks_text(b)), None)

        return self.api.wait_for(found, timeout,
                                 f"a post in {channel}/{thread_ts} with {contains!r}")

    def wait_key(self, channel: str, thread_ts: str) -> str:
        """The key of the ticket confirmed in this thread."""
        def found() -> str | None:
            return next((m.group(0) for b in self.posts(channel, thread_ts)
                         if (m := KEY.search(blocks_text(b)))), None)

        return self.api.wait_for(found, what=f"a ticket confirmed in {channel}/{thread_ts}")

    def stored(self, channel: str, thread_ts: str, contains: str) -> dict[str, Any]:
        """A message as Slack holds it (with its ts), found by its text."""
        def found() -> dict[str, Any] | None:
            return next((m for m in self.api.messages.get(channel, [])
                         if m.get("thread_ts") == thread_ts and contains in blocks_text(m)),
                        None)

        # A fresh process loads its language model on the first message: a generous ceiling.
        return self.api.wait_for(found, timeout=60,
                                 what=f"a stored message with {contains!r}")


def rich_text(text: str) -> dict[str, Any]:
    return {"type": "rich_text", "block_id": uuid.uuid4().hex[:5],
            "elements": [{"type": "rich_text_section",
                          "elements": [{"type": "text", "text": text}]}]}


def _user(user: str) -> dict[str, Any]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}


def state_of(blocks: list[dict[str, Any]], answers: dict[str, str]) -> dict[str, Any]:
    """``view.state.values`` as Slack builds it from a modal's inputs and what was typed."""
    values: dict[str, Any] = {}
    for block in blocks:
        element = block.get("element")
        if block.get("type") != "input" or not element:
            continue
        answer = answers.get(block["block_id"])
        if element["type"] == "static_select":
            state: dict[str, Any] = {"type": "static_select", "selected_option": None if answer
                                     is None else {"text": {"type": "plain_text", "text": answer},
                                                   "value": answer}}
        else:
            state = {"type": element["type"], "value": answer}
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def button(message: dict[str, Any], value_start: str) -> tuple[dict[str, Any], str]:
    """The button whose value starts with ``value_start`` and its block's id."""
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if str(element.get("value") or "").startswith(value_start):
                return element, str(block.get("block_id") or "actions")
    raise AssertionError(f"no button {value_start!r} in {json.dumps(message)[:400]}")


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    """A new empty database: a SQLite file, or a PostgreSQL database of this test process."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'desk.db'}"
        return
    with fresh_postgres_database("deskbot_blackbox") as url:
        yield url


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def desk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[Desk]:
    tmp = tmp_path_factory.mktemp("blackbox")
    with database(request.param, tmp) as url:
        yield from _running(tmp, url)


def _running(tmp: Path, database_url: str, extra_env: dict[str, str] | None = None,
             technicians: tuple[tuple[str, str, str], ...] = TECHNICIANS) -> Iterator[Desk]:
    api = SlackStandIn({
        "UCARLOS": slack_user("UCARLOS", "Carlos Gómez", email="carlos@example.com",
                              tz="America/Mexico_City", locale="es-LA"),
        "UEMMA": slack_user("UEMMA", "Emma Brown", email="emma@example.com", tz="Europe/London"),
        "UNORA": slack_user("UNORA", "Nora Vidal", email="nora@example.com", locale="es-ES"),
        "UPEDRO": slack_user("UPEDRO", "Pedro Ruiz", email="pedro@example.com", locale="es-ES"),
        "UJOE": slack_user("UJOE", "Joe Smith", email="joe@example.com"),
    }).start()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "DESKBOT_"))}
    env.update({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
                "DESKBOT_SLACK_API_URL": api.url,
                "DESKBOT_DATABASE_URL": database_url,
                "DESKBOT_SMTP_HOST": "off", "PYTHONUNBUFFERED": "1", **(extra_env or {})})
    running = Desk(api, env, tmp / "deskbot-run.log")
    try:
        running.cli("db", "upgrade")
        for slack_id, name, team in technicians:
            running.cli("people", "add", "--slack-id", slack_id, "--name", name,
                        "--role", "technician", "--team", team, "--language", "es")
        running.start()
        yield running
    finally:
        running.stop()
        api.stop()
    # A graceful stop: uvicorn finishes, then re-raises the SIGTERM it caught (exit -15).
    assert running.process is not None
    assert running.process.returncode in (0, -signal.SIGTERM), running.stderr()
    assert "Finished server process" in running.stderr()
    assert "Traceback" not in running.stderr()


@pytest.fixture(autouse=True)
def no_tracebacks(desk: Desk) -> Iterator[None]:
    """Whatever a test sent, the process logged no stack trace and is still serving."""
    start = len(desk.stderr())
    yield
    logged = desk.stderr()[start:]
    assert "Traceback" not in logged, logged
    assert desk.process is not None and desk.process.poll() is None, desk.stderr()[-3000:]


def test_dm_is_answered_in_its_thread_once_despite_retries(desk: Desk) -> None:
    event = desk.message("UCARLOS", "no puedo conectarme a la vpn desde casa")
    assert desk.event(event, event_id="EvBLACKBOX1").status == 200
    for retry in (1, 2, 3):
        assert desk.event(event, event_id="EvBLACKBOX1", retry=retry).status == 200
    thread = event["ts"]
    offer = desk.stored("DUCARLOS", thread, "Abrir ticket")
    # "Abrir ticket" pressed on the real message: the ticket is confirmed in the same thread.
    element, block_id = button(offer, "/open_ticket")
    assert desk.click("UCARLOS", offer, "DUCARLOS", element, block_id).status == 200
    key = desk.wait_key("DUCARLOS", thread)
    ticket = desk.ticket(key)
    assert ticket["status"] == "open" and ticket["team"] == "L2"
    # The retries were dropped: one suggestion message, one ticket.
    suggestions = [b for b in desk.posts("DUCARLOS", thread)
                   if "Abrir ticket" in json.dumps(b, ensure_ascii=False)]
    assert len(suggestions) == 1
    assert [t["key"] for t in desk.tickets() if "vpn" in t["title"].lower()] == [key]


def test_message_retry_that_opens_a_ticket_opens_one(desk: Desk) -> None:
    first = desk.dm("UNORA", "mi monitor no enciende")
    thread = first["ts"]
    offer = desk.stored("DUNORA", thread, "Abrir ticket")
    element, _ = button(offer, "/open_ticket")
    again = desk.message("UNORA", str(element["value"]), thread_ts=thread)
    for retry in (None, 1, 2):
        assert desk.event(again, event_id="EvBLACKBOX2", retry=retry).status == 200
    key = desk.wait_key("DUNORA", thread)
    later = desk.dm("UNORA", "gracias", thread_ts=thread)
    desk.api.wait_for(lambda: len(desk.posts("DUNORA", thread)) >= 3, what="later answer")
    assert later["ts"] != thread
    confirmations = [b for b in desk.posts("DUNORA", thread) if key in blocks_text(b)]
    assert len(confirmations) == 1
    assert len([t for t in desk.tickets() if t["requester"]["name"] == "Nora Vidal"]) == 1


def test_mention_in_a_channel_is_answered_in_its_thread_and_replies_there_too(desk: Desk,
                                                                             ) -> None:
    channel = "CGENERAL"
    mention = desk.message("UPEDRO", f"<@{BOT_USER_ID}> no me llega el correo en Outlook",
                           channel=channel, channel_type="channel")
    app_mention = {k: v for k, v in mention.items() if k != "channel_type"}
    app_mention["type"] = "app_mention"
    # Slack sends both: app_mention and the message.channels copy of the same message.
    assert desk.event(app_mention).status == 200
    assert desk.event(mention).status == 200
    thread = mention["ts"]
    desk.wait_post(channel, thread)
    # Chatter in the channel that does not mention the bot is not for it.
    chatter = desk.message("UPEDRO", "¿alguien va a comer?", channel=channel,
                           channel_type="channel")
    assert desk.event(chatter).status == 200
    # A reply in the bot's thread is answered in the thread.
    before = len(desk.posts(channel, thread))
    reply = desk.message("UPEDRO", "sigue sin llegar nada", channel=channel,
                         channel_type="channel", thread_ts=thread)
    assert desk.event(reply).status == 200
    desk.api.wait_for(lambda: len(desk.posts(channel, thread)) > before, what="thread answer")
    assert all(b.get("thread_ts") == thread for b in desk.posts(channel))
    assert not desk.posts(channel, chatter["ts"])


def test_edits_deletions_bots_and_joins_are_ignored(desk: Desk) -> None:
    channel = "DUEMMA"
    original = desk.message("UEMMA", "my laptop is slow")
    edited = {"type": "message", "subtype": "message_changed", "hidden": True,
              "channel": channel, "channel_type": "im", "ts": desk.ts(), "event_ts": desk.ts(),
              "message": {**original, "text": "my laptop is very slow",
                          "edited": {"user": "UEMMA", "ts": desk.ts()}},
              "previous_message": original}
    deleted = {"type": "message", "subtype": "message_deleted", "hidden": True,
               "channel": channel, "channel_type": "im", "ts": desk.ts(),
               "deleted_ts": original["ts"], "event_ts": desk.ts(),
               "previous_message": original}
    bot = {"type": "message", "subtype": "bot_message", "text": "Deploy finished <!here>",
           "ts": desk.ts(), "bot_id": "BOTHER", "username": "ci", "channel": channel,
           "event_ts": desk.ts(), "channel_type": "im"}
    own = {**desk.message(BOT_USER_ID, "Encontré una respuesta", channel=channel),
           "bot_id": BOT_ID, "app_id": APP_ID, "bot_profile": {"id": BOT_ID, "name": "deskbot"}}
    join = {"type": "message", "subtype": "channel_join", "user": "UEMMA",
            "text": "<@UEMMA> has joined the channel", "ts": desk.ts(), "event_ts": desk.ts(),
            "channel": "CGENERAL2", "channel_type": "channel", "inviter": "UANA"}
    for event in (edited, deleted, bot, own, join):
        assert desk.event(event).status == 200
    # Something that is answered, sent after them: when its answer is there, they were seen.
    sentinel = desk.dm("UJOE", "hello")
    desk.wait_post("DUJOE", sentinel["ts"])
    assert desk.posts(channel) == [] and desk.posts("CGENERAL2") == []


def test_files_emoji_long_and_hostile_text(desk: Desk) -> None:
    shared = desk.message(
        "UJOE", "this is the error I get", subtype="file_share", upload=False,
        display_as_bot=False,
        files=[{"id": "F0ERROR", "created": int(time.time()), "name": "error.png",
                "title": "error.png", "mimetype": "image/png", "filetype": "png",
                "user": "UJOE", "size": 52011, "mode": "hosted", "is_external": False,
                "url_private": "https://files.slack.com/files-pri/T0DESK-F0ERROR/error.png"}])
    assert desk.event(shared).status == 200
    only_file = desk.message("UJOE", "", subtype="file_share", files=shared["files"],
                             blocks=[])
    assert desk.event(only_file).status == 200
    emoji = desk.dm("UJOE", ":tada: :sweat_smile: 🎉🙂")
    long_text = desk.dm("UJOE", ("la impresora del piso tres no imprime " * 1100)[:40_000])
    hostile = desk.dm("UJOE", "<!channel> <@UANA> look <https://evil.example/x|google.com> "
                              "<!subteam^S0ADMINS> &lt;b&gt; &amp;")
    for event in (shared, only_file, emoji, long_text, hostile):
        desk.wait_post("DUJOE", event["ts"])
    posted = desk.posts("DUJOE")
    for body in posted:
        blocks = body.get("blocks") or []
        assert len(blocks) <= 50
        assert all(len((b.get("text") or {}).get("text", "")) <= 3000 for b in blocks)
        assert len(body.get("text") or "") <= 40_000
    shown = "\n".join(json.dumps(b, ensure_ascii=False) for b in desk.posts(
        "DUJOE", hostile["ts"]))
    for raw in ("<!channel>", "<@UANA>", "<https://", "<!subteam"):
        assert raw not in shown


def test_ticket_command_and_the_outbox_delivered_by_the_running_process(desk: Desk) -> None:
    event = desk.dm("UPEDRO", "la impresora de la oficina no imprime nada")
    thread = event["ts"]
    offer = desk.stored("DUPEDRO", thread, "Abrir ticket")
    element, block_id = button(offer, "/open_ticket")
    desk.click("UPEDRO", offer, "DUPEDRO", element, block_id)
    key = desk.wait_key("DUPEDRO", thread)
    # An employee trying a technician command: a private refusal, nothing changes.
    answer, hook = desk.command("UPEDRO", f"resolve {key} ya está")
    assert answer.status == 200
    refusal = _respond(desk, hook, wait=True)
    assert refusal["response_type"] == "ephemeral"
    assert desk.ticket(key)["status"] == "open"
    # The technician replies with /ticket: the running scheduler delivers it to the thread.
    answer, hook = desk.command("UANA", f"reply {key} ¿Qué modelo de impresora es? <!here>",
                                name="ana")
    assert answer.status == 200
    assert _respond(desk, hook, wait=True)["response_type"] == "ephemeral"
    told = desk.wait_post("DUPEDRO", thread, "modelo de impresora")
    assert "<!here>" not in json.dumps(told, ensure_ascii=False)
    # The employee answers in the thread: a comment on the ticket.
    desk.dm("UPEDRO", "Es una HP LaserJet del segundo piso", thread_ts=thread)

    def commented() -> bool:
        history = json.loads(desk.cli("ticket", "history", key, "--json"))
        return any("LaserJet" in json.dumps(e, ensure_ascii=False) for e in history)

    _eventually(commented, "the answer recorded as a comment")


def test_app_home_and_its_button(desk: Desk) -> None:
    home = {"id": "VHOMECARLOS", "team_id": TEAM_ID, "type": "home", "blocks": [],
            "private_metadata": "", "callback_id": "", "state": {"values": {}}, "hash": "1.a",
            "title": {"type": "plain_text", "text": "View Title"}, "root_view_id": "VHOMECARLOS",
            "app_id": APP_ID, "external_id": "", "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID}
    published = len(desk.api.calls_to("views.publish"))
    assert desk.event({"type": "app_home_opened", "user": "UCARLOS", "channel": "DUCARLOS",
                       "tab": "messages", "event_ts": f"{time.time():.6f}"}).status == 200
    assert desk.event({"type": "app_home_opened", "user": "UCARLOS", "channel": "DUCARLOS",
                       "tab": "home", "view": home, "event_ts": f"{time.time():.6f}"},
                      ).status == 200
    view = desk.api.wait_calls("views.publish", published + 1)[-1].body
    assert view["user_id"] == "UCARLOS"
    assert len(desk.api.calls_to("views.publish")) == published + 1  # not for the messages tab
    element, block_id = next((e, b.get("block_id", "")) for b in view["view"]["blocks"]
                             for e in b.get("elements") or [] if e.get("type") == "button")
    opened = len(desk.api.calls_to("views.open"))
    assert desk.interact({
        "type": "block_actions", "user": _user("UCARLOS"),
        "container": {"type": "view", "view_id": "VHOMECARLOS"}, "view": home,
        "state": {"values": {}},
        "actions": [{"action_id": element["action_id"], "block_id": block_id,
                     "text": element["text"], "value": element.get("value"), "type": "button",
                     "action_ts": f"{time.time():.6f}"}]}).status == 200
    assert desk.api.wait_calls("views.open", opened + 1)[-1].body["view"]["callback_id"] == \
        "ticket_form"


def _eventually(condition: Any, what: str, timeout: float = PATIENCE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _respond(desk: Desk, hook: str, wait: bool = False) -> dict[str, Any] | None:
    def found() -> dict[str, Any] | None:
        return next((c.body for c in desk.api.calls if c.method == "respond"
                     and c.path == f"/respond/{hook}"), None)

    return desk.api.wait_for(found, what=f"response_url {hook}") if wait else found()


def test_buttons_modals_and_shortcuts(desk: Desk) -> None:
    event = desk.dm("UEMMA", "I forgot my password and my account is locked")
    thread = event["ts"]
    offer = desk.stored("DUEMMA", thread, "ticket")
    # The same buttons in an ephemeral message of the thread: the payload has no ``message``,
    # and Slack cannot edit an ephemeral message with chat.update.
    element, block_id = button(offer, "/open_ticket")
    ephemeral = {"ts": desk.ts(), "thread_ts": thread, "blocks": offer["blocks"]}
    answer = desk.click("UEMMA", ephemeral, "DUEMMA", element, block_id, ephemeral=True)
    assert answer.status == 200
    key = desk.wait_key("DUEMMA", thread)
    assert desk.ticket(key)["requester"]["name"] == "Emma Brown"
    # An action id the app never sent: answered without a crash.
    unknown = {"action_id": "from_an_old_version", "value": "x",
               "text": {"type": "plain_text", "text": "Old"}}
    assert desk.click("UEMMA", offer, "DUEMMA", unknown, "old").status in (200, 404)
    # A global shortcut opens the form with its trigger; the submission opens a ticket.
    opened = len(desk.api.calls_to("views.open"))
    assert desk.interact({"type": "shortcut", "user": _user("UEMMA"),
                          "callback_id": "open_ticket",
                          "action_ts": f"{time.time():.6f}"}).status == 200
    form = desk.api.wait_calls("views.open", opened + 1)[-1].body
    assert form["trigger_id"] and form["view"]["callback_id"] == "ticket_form"
    view = {"id": "V0FORM", "team_id": TEAM_ID, "type": "modal", "blocks": form["view"]["blocks"],
            "private_metadata": form["view"].get("private_metadata", ""),
            "callback_id": "ticket_form", "hash": "1700000000.abc",
            "title": form["view"]["title"], "clear_on_close": False, "notify_on_close": False,
            "close": form["view"].get("close"), "submit": form["view"].get("submit"),
            "previous_view_id": None, "root_view_id": "V0FORM", "app_id": APP_ID,
            "external_id": "", "app_installed_team_id": TEAM_ID, "bot_id": BOT_ID,
            "state": {"values": state_of(form["view"]["blocks"], {
                "title": "Monitor flickers", "description": "The external monitor flickers",
                "category": "hardware"})}}
    assert desk.interact({"type": "view_submission", "user": _user("UEMMA"), "view": view,
                          "response_urls": []}).status == 200
    confirmed = desk.wait_post("DUEMMA", None, "Monitor flickers")
    form_key = KEY.search(blocks_text(confirmed))
    assert form_key and desk.ticket(form_key.group(0))["category"] == "hardware"
    # Closing a modal (notify_on_close) is answered too.
    assert desk.interact({"type": "view_closed", "user": _user("UEMMA"),
                          "view": {**view, "state": {"values": {}}},
                          "is_cleared": False}).status in (200, 404)
    # A message shortcut: the form comes pre-filled with the message's text.
    opened = len(desk.api.calls_to("views.open"))
    assert desk.interact({
        "type": "message_action", "callback_id": "ticket_from_message",
        "action_ts": f"{time.time():.6f}", "user": _user("UEMMA"),
        "channel": {"id": "CGENERAL", "name": "general"}, "message_ts": thread,
        "response_url": desk.api.response_url("msgaction"),
        "message": {"client_msg_id": str(uuid.uuid4()), "type": "message",
                    "text": "VPN drops &amp; reconnects <@UANA>", "user": "UJOE", "ts": thread,
                    "team": TEAM_ID, "blocks": [rich_text("VPN drops & reconnects")]},
    }).status == 200
    prefilled = desk.api.wait_calls("views.open", opened + 1)[-1].body["view"]
    assert "VPN drops & reconnects" in json.dumps(prefilled, ensure_ascii=False)


def test_what_is_not_an_event_and_what_is_not_from_slack(desk: Desk) -> None:
    form = "application/x-www-form-urlencoded"
    assert desk.post("ssl_check=1&token=Jhj5dZrVaK7ZwHHjRyZWjbDl", form).status == 200
    challenge = desk.post(json.dumps({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
                                      "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7",
                                      "type": "url_verification"}), "application/json")
    assert challenge.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7" in challenge.body
    limited = desk.post(json.dumps({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
                                    "type": "app_rate_limited", "team_id": TEAM_ID,
                                    "minute_rate_limited": 1518467820, "api_app_id": APP_ID}),
                        "application/json")
    assert limited.status == 200
    event = json.dumps(desk.envelope(desk.message("UJOE", "forged")))
    assert desk.post(event, "application/json", signature="v0=" + "0" * 64).status == 401
    assert desk.post(event, "application/json", timestamp=int(time.time()) - 600).status == 401
    assert desk.post(b"\xff\xfe garbage {{", "application/json").status in (400, 401)
    assert desk.post("{not json", "application/json").status in (400, 401)
    assert desk.post("payload=%7Bbroken", form).status in (400, 401)
    assert desk.post("", "application/json").status in (400, 401, 404)
    assert desk.post("", form).status in (400, 401, 404)
    assert desk.post("x" * 2_000_000, "application/json").status in (400, 401, 413)
    # None of that reached a listener, and the server still serves.
    assert not desk.posts("DUJOE", json.loads(event)["event"]["ts"])
    with urllib.request.urlopen(f"{desk.url}/healthz", timeout=PATIENCE) as answer:
        assert answer.status == 200


def test_the_log_is_not_flooded_by_timer_ticks(desk: Desk) -> None:
    """The outbox job runs every 2 s from startup: one log line per run would bury the rest."""
    _eventually(lambda: "scheduler started" in desk.stderr(), "the scheduler")
    assert "Running job" not in desk.stderr() and "executed successfully" not in desk.stderr()
