from actions.intake import NewTicket, open_ticket


def test_open_ticket_on_each_database(services, cast, settings):
    view = open_ticket(services.uow(), settings, NewTicket(
        requester_id=cast.carlos.id, description="La VPN no conecta desde casa",
        category="network"))
    assert view.key == "INC-1"
    assert view.team == "L2"
    assert view.status == "open"
