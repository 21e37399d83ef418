"""The connector to a real Rasa server, against a local HTTP server answering as Rasa does."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nlu import load_interpreter
from nlu.rasa_http import RasaConnectionError, RasaHttpInterpreter


class _FakeRasa(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.path, body))
        if type(self).status != 200:
            self.send_response(type(self).status)
            self.end_headers()
            self.wfile.write(b'{"status": "failure", "message": "model not loaded"}')
            return
        text = body["text"]
        start = text.lower().find("inc 7")
        answer = {
            "text": text,
            "intent": {"name": "ask_status", "confidence": 0.91},
            "entities": [{"entity": "ticket_key", "start": start, "end": start + 5,
                          "value": text[start : start + 5], "confidence_entity": 1.0,
                          "extractor": "RegexEntityExtractor"}],
            "intent_ranking": [{"name": "ask_status", "confidence": 0.91},
                               {"name": "greet", "confidence": 0.09}],
        }
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def rasa_url() -> Iterator[str]:
    _FakeRasa.received = []
    _FakeRasa.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRasa)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_posts_text_to_model_parse_and_returns_rasa_answer(rasa_url: str) -> None:
    result = RasaHttpInterpreter(rasa_url).parse("como va el inc 7?")
    assert _FakeRasa.received == [("/model/parse", {"text": "como va el inc 7?"})]
    assert result["intent"] == {"name": "ask_status", "confidence": 0.91}
    assert result["intent_ranking"][1]["name"] == "greet"
    assert result["entities"][0]["value"] == "INC-7"  # canonical, like the embedded engine
    assert result["language"] == "es"


def test_factory_uses_env_url(rasa_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKBOT_RASA_URL", rasa_url)
    interpreter = load_interpreter()
    assert isinstance(interpreter, RasaHttpInterpreter)
    assert interpreter.parse("any news on inc 7")["language"] == "en"


def test_server_error_is_reported_clearly(rasa_url: str) -> None:
    _FakeRasa.status = 500
    with pytest.raises(RasaConnectionError, match="HTTP 500.*model not loaded"):
        RasaHttpInterpreter(rasa_url).parse("hola")


def test_unreachable_server_is_reported_clearly() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRasa)
    port = server.server_address[1]
    server.server_close()  # nothing listens on this port any more
    with pytest.raises(RasaConnectionError, match=f"cannot reach Rasa server at .*:{port}"):
        RasaHttpInterpreter(f"http://127.0.0.1:{port}", timeout=2).parse("hola")
