"""``python -m ui`` is the same as the ``backprop-playground`` command."""

import sys

from ui.app import main

sys.exit(main())
