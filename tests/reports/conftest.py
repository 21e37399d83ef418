"""Fixtures of the report tests: the month of ``month.py`` on each database."""

from __future__ import annotations

import pytest

from tests.reports.month import Month, build_month


@pytest.fixture
def month(services, settings, cast) -> Month:  # type: ignore[no-untyped-def]
    return build_month(services, settings, cast)
