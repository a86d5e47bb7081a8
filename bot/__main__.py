"""`python -m bot ...`."""
import os
import sys

from bot.cli.main import main

try:
    sys.exit(main())
except BrokenPipeError:
    # the reader went away (`python -m bot laws list | head`): stop quietly, as Unix tools do
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(141)
