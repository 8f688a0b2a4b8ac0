"""`python -m coach` is the same as `okr-coach`."""

import sys

from coach.cli.main import main

sys.exit(main())
