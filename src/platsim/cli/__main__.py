"""``python -m platsim.cli ...``: the same as the ``platsim`` command."""

import sys

from platsim.cli.app import main

sys.exit(main())
