"""The state machine and the priority matrix, without a database."""

import itertools

import pytest

from store.errors import IllegalTransition, InvalidInput
from store.lifecycle import TRANSITIONS, Status, check_transition
from store.priority import priority_for

ALLOWED = {
    ("new", "open"), ("new", "cancelled"),
    ("open", "in_progress"), ("open", "pending"), ("open", "resolved"), ("open", "cancelled"),
    ("in_progress", "pending"), ("in_progress", "resolved"), ("in_progress", "open"),
    ("in_progress", "cancelled"),
    ("pending", "in_progress"), ("pending", "resolved"), ("pending", "cancelled"),
    ("resolved", "closed"), ("resolved", "in_progress"),
}


@pytest.mark.parametrize("current,target", list(itertools.product(Status, Status)))
def test_every_pair_of_statuses(current, target):
    if (current.value, target.value) in ALLOWED:
        assert check_transition(current, target) is target
    else:
        with pytest.raises(IllegalTransition) as err:
            check_transition(current, target, key="INC-1")
        assert err.value.params == {"key": "INC-1", "current": current.value,
                                    "target": target.value}


def test_closed_and_cancelled_are_final():
    assert TRANSITIONS[Status.CLOSED] == frozenset()
    assert TRANSITIONS[Status.CANCELLED] == frozenset()


MATRIX = {
    "high": {"high": "P1", "medium": "P2", "low": "P3"},
    "medium": {"high": "P2", "medium": "P3", "low": "P4"},
    "low": {"high": "P3", "medium": "P4", "low": "P4"},
}


@pytest.mark.parametrize("impact,urgency,expected", [
    ("high", "high", "P1"), ("high", "low", "P3"), ("medium", "medium", "P3"),
    ("low", "low", "P4"), ("low", "high", "P3"),
])
def test_priority_matrix(impact, urgency, expected):
    assert priority_for(impact, urgency, MATRIX) == expected


def test_vip_goes_one_step_up_but_never_above_p1():
    assert priority_for("medium", "medium", MATRIX, vip=True) == "P2"
    assert priority_for("high", "high", MATRIX, vip=True) == "P1"


def test_unknown_level_is_refused():
    with pytest.raises(InvalidInput):
        priority_for("huge", "high", MATRIX)
