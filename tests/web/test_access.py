"""Who gets in and what they see: sessions, one-time links, CSRF, roles, headers."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from actions.common import now
from actions.signin import issue_link

PAGES = ["/", "/overview", "/trends", "/technicians", "/tickets", "/tickets/INC-1", "/faq",
         "/faq/vpn-setup"]
MACHINE = ["/api/summary", "/csv/overview/status.csv", "/csv/trends/headline.csv",
           "/csv/tickets.csv", "/live/overview"]


def test_without_a_session_pages_send_to_sign_in_and_machines_get_401(web, month):
    c = web.client()
    for path in PAGES:
        answer = c.get(path)
        assert (answer.status, answer.location) == (303, "/signin"), path
    for path in MACHINE:
        answer = c.get(path)
        assert answer.status == 401, path
        assert "INC-" not in answer.body
    assert c.get("/healthz").status == 200


def test_a_link_signs_in_once_and_a_forged_or_expired_one_is_refused(web, cast):
    token, _ = issue_link(web.services.uow(), person="Marta Ruiz")
    c = web.client()
    assert c.sign_in_with(token).status == 303
    assert c.cookie("deskbot_session")
    assert "Marta Ruiz" in c.get("/overview").body

    again = web.client()
    refused = again.sign_in_with(token)  # used already
    assert refused.status == 403 and again.cookie("deskbot_session") is None
    assert "ya se usó" in refused.body or "already used" in refused.body

    forged = web.client().sign_in_with(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    assert forged.status == 403

    old, _ = issue_link(web.services.uow(), person="Marta Ruiz",
                        at=now() - timedelta(minutes=20))
    expired = web.client()
    assert expired.sign_in_with(old).status == 403
    assert expired.get("/overview").status == 303


def test_a_tampered_session_cookie_is_not_a_session(web, cast):
    c = web.client()
    c.sign_in(web.services, "Carlos Gómez")
    cookie = next(k for k in c.jar if k.name == "deskbot_session")
    body, mac = cookie.value.split(".")
    # the same signature over another person's id is refused
    import base64
    import json
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["p"] = cast.admin.id
    cookie.value = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=") \
        + "." + mac
    assert c.get("/tickets").status == 303


def test_posts_without_the_csrf_token_change_nothing(web, cast):
    token, _ = issue_link(web.services.uow(), person="Ana Torres")
    c = web.client()
    c.get(f"/signin/link/{token}")
    assert c.post("/signin/link", {"token": token}).status == 403
    assert c.post("/signin/link", {"token": token, "csrf": "0" * 64}).status == 403
    assert c.cookie("deskbot_session") is None
    assert c.sign_in_with(token).status == 303  # the refused posts did not use the link up

    assert c.post("/signout", {}).status == 403
    assert c.get("/overview").status == 200  # still signed in
    page = c.get("/overview")
    out = c.post("/signout", {"csrf": page.csrf()})
    assert (out.status, out.location) == (303, "/signin")
    assert c.get("/overview").status == 303


def test_an_employee_sees_only_their_own_tickets_and_no_private_note(web, month, cast):
    keys = month.keys
    c = web.client()
    c.sign_in(web.services, "Carlos Gómez")
    listing = c.get("/tickets").body
    for mine in ("inc1", "inc3", "inc4", "old"):
        assert f'href="/tickets/{keys[mine]}"' in listing
    for theirs in ("inc2", "req1"):
        assert f'href="/tickets/{keys[theirs]}"' not in listing
        assert c.get(f"/tickets/{keys[theirs]}").status == 404
    assert keys["inc2"] not in c.get("/csv/tickets.csv").body
    assert keys["inc2"] not in c.get("/tickets?text=VPN").body
    page = c.get(f"/tickets/{keys['inc1']}")
    assert page.status == 200 and "Voy para allá" in page.body
    assert "Fusor dañado" not in page.body
    assert c.get("/overview").status == 403
    assert c.get("/csv/overview/status.csv").status == 403
    assert c.get("/api/summary").status == 403


def test_staff_see_private_notes_within_their_scope(web, month, cast):
    keys = month.keys
    ana = web.client()
    ana.sign_in(web.services, "Ana Torres")
    assert "Fusor dañado" in ana.get(f"/tickets/{keys['inc1']}").body
    luis = web.client()
    luis.sign_in(web.services, "Luis Pérez")  # L2: the L1 ticket is not his
    assert luis.get(f"/tickets/{keys['inc1']}").status == 404
    assert luis.get(f"/tickets/{keys['inc2']}").status == 200
    assert luis.get("/api/summary").status == 403  # technicians: no lead API
    marta = web.client()
    marta.sign_in(web.services, "Marta Ruiz")
    assert marta.get(f"/tickets/{keys['inc2']}").status == 200


def test_every_answer_carries_the_security_headers_and_a_strict_cookie(web, cast):
    c = web.client()
    answer = c.sign_in(web.services, "Marta Ruiz")
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    for path in ("/overview", "/signin", "/api/summary", "/nowhere"):
        h = c.get(path).headers
        assert "script-src 'self'" in h["content-security-policy"]
        assert "'unsafe-inline'" not in h["content-security-policy"]
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"


def test_pages_speak_the_chosen_language(web, cast):
    c = web.client()
    c.sign_in(web.services, "Marta Ruiz")
    assert "<h1>Resumen" in c.get("/overview").body  # Marta's own language
    for lang, word in (("en", "Overview"), ("es", "Resumen"), ("en", "Overview")):
        assert f"<h1>{word}" in c.get(f"/overview?lang={lang}").body
        assert f"<h1>{word}" in c.get("/overview").body  # the choice is remembered


def test_hostile_text_is_shown_as_text(web, sqlite_services, settings, cast):
    from actions.intake import NewTicket, open_ticket

    view = open_ticket(sqlite_services.uow(), settings, NewTicket(
        requester_id=cast.carlos.id, description='<script>alert(1)</script> "x" <b>bold</b>'))
    c = web.client()
    c.sign_in(web.services, "Carlos Gómez")
    body = c.get(f"/tickets/{view.key}").body
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body
    view2 = open_ticket(sqlite_services.uow(), settings, NewTicket(
        requester_id=cast.carlos.id, title='=HYPERLINK("http://x.example","ok")',
        description="spreadsheet formula"))
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(c.get("/csv/tickets.csv").body))}
    assert rows[view2.key]["title"].startswith("'=HYPERLINK")  # not run by a spreadsheet
    assert c.get("/tickets/INC-99999").status == 404
    assert c.get("/tickets/%3Cx%3E").status == 404
    assert c.get("/overview?since=yesterday").status == 403  # an employee, whatever the query


def test_employees_search_the_faq_and_technicians_see_their_team(web, month, cast):
    carlos = web.client()
    carlos.sign_in(web.services, "Carlos Gómez")
    found = carlos.get("/faq?q=no+puedo+conectarme+a+la+vpn+desde+casa").body
    assert 'href="/faq/' in found
    first = found.split('href="/faq/', 1)[1].split('"', 1)[0]
    assert carlos.get(f"/faq/{first}").status == 200
    assert carlos.get("/faq/no-such-article").status == 404
    luis = web.client()
    luis.sign_in(web.services, "Luis Pérez")
    page = luis.get("/overview?team=L1").body  # a technician cannot look at another team
    assert "<h1>Resumen · L2" in page
    assert 'id="open-total">0<' in page  # inc3, the only open ticket, is L1's
