"""`python -m engine.cli`: the same as the `kravkoll` command."""

import sys

from .main import main

sys.exit(main())
