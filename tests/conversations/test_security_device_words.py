"""A lost or stolen laptop named the Spanish way gets the lost-device advice.

Not the generic one: "portátil" and "ordenador" are how Spain names a laptop. Device names are
whole words: a lost driver or a rained-out celebration is not a lost "drive" or "cel".
"""

import pytest

from actions.conversation.security_kinds import security_kind


@pytest.mark.parametrize("text", [
    "se me perdió el portátil en el tren",  # Spain's names for a laptop
    "me robaron el ordenador del trabajo",
    "perdí mi tableta con el correo abierto",
    "me robaron los celulares de la oficina",  # plurals
    "lost two laptops at the airport",
    "se perdieron las tabletas del almacén",
])
def test_device_names_are_lost_devices(text: str) -> None:
    assert security_kind(text) == "lost_device"


@pytest.mark.parametrize("text", [
    "se perdió el driver de la impresora después de la actualización",
    "perdimos la celebración de fin de año por la lluvia",
    "I lost the sticker with the wifi password",
])
def test_words_that_only_begin_like_a_device_are_not_lost_devices(text: str) -> None:
    assert security_kind(text) != "lost_device"
