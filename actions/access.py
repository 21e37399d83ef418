"""Who may do what. Every use case asks here before it changes anything."""

from __future__ import annotations

from store.domain.ticket import STAFF, require_staff
from store.errors import RoleRefused
from store.models import Person, Ticket

__all__ = ["ROLES", "STAFF", "MANAGERS", "is_staff", "require_staff", "require_manager",
           "require_requester", "require_party"]

ROLES = ("requester", "technician", "lead", "admin")
MANAGERS = frozenset({"lead", "admin"})


def is_staff(person: Person) -> bool:
    return person.role in STAFF


def require_manager(person: Person, action: str) -> None:
    if not person.active or person.role not in MANAGERS:
        raise RoleRefused("managers_only", action=action)


def require_requester(person: Person, ticket: Ticket, action: str) -> None:
    """Only the person who asked may confirm, reject or rate their ticket (admins may act too)."""
    if person.id != ticket.requester_id and person.role != "admin":
        raise RoleRefused("requester_only", action=action, key=ticket.key)


def require_party(person: Person, ticket: Ticket, action: str) -> None:
    """The requester or any staff member: who may read a ticket or reply on it."""
    if person.id != ticket.requester_id and not (person.active and person.role in STAFF):
        raise RoleRefused("not_your_ticket", action=action, key=ticket.key)
