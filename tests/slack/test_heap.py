"""A serving process freezes what it loaded at start (``bot.health.settle_heap``): the garbage
collector's full passes under traffic then walk only what the traffic created, instead of
pausing every delivery for the models' few hundred thousand objects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WARM_UP = """
import gc, sys, tempfile
from actions.services import build_services
from actions.settings import load_settings
from bot.health import Readiness

services = build_services(load_settings(env={}), database_url=f"sqlite:///{tempfile.mkdtemp()}/desk.db",
                          migrate=True)
readiness = Readiness(services, None)
readiness.warm_up(settle=sys.argv[1] == "settle")
assert readiness.models_loaded.wait(120), "models did not load"
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def warm_up(mode: str) -> tuple[int, int]:
    done = subprocess.run([sys.executable, "-c", WARM_UP, mode], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=True)
    frozen, tracked = done.stdout.split()
    return int(frozen), int(tracked)


def test_a_serving_process_freezes_the_loaded_models_and_a_library_user_does_not() -> None:
    frozen, tracked = warm_up("settle")
    assert frozen > 50_000  # the NLU model, the matcher, the modules
    assert tracked < frozen / 10  # what a full collection still walks
    assert warm_up("plain")[0] == 0
