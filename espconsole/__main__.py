"""`python -m espconsole` runs the command line, the same as the `espconsole` script."""

import sys

from espconsole.cli import main

sys.exit(main())
