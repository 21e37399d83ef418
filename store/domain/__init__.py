"""The ticket as the desk's rules see it: no SQL, no channel, no clock of its own.

``ticket.Ticket`` is the aggregate: its transitions check the move and return the domain events
(``events``) that say what happened; the repository persists both in the unit of work.
"""
