"""A lost or stolen laptop named the Spanish way gets the lost-device advice.

Not the generic one: "portátil" and "ordenador" are how Spain names a laptop.
"""

import pytest

from actions.conversation.security_kinds import security_kind


@pytest.mark.parametrize("text", [
    "se me perdió el portátil en el tren",
    "me robaron el ordenador del trabajo",
    "perdí mi tableta con el correo abierto",
])
def test_spanish_device_names_are_lost_devices(text: str) -> None:
    assert security_kind(text) == "lost_device"
