"""``python -m bot.cli``: the ``deskbot`` command (how ``deskbot run --processes`` starts the
other processes of a desk started by the ``deskbot`` script)."""

import sys

from bot.cli import main

sys.exit(main())
