"""Test helpers for the store: counting every row, to prove a refusal wrote nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from actions.services import Services
from store.models import Base


def row_counts(services: Services) -> dict[str, int]:
    with services.engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
