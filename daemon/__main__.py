"""`python -m radiosilence`: the same command as the installed `radiosilence`."""

import sys

from radiosilence.cli.main import main

sys.exit(main())
