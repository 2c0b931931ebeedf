"""Entry script of the packaged executable: the same as the ``backprop-playground`` command."""

import multiprocessing
import sys

from ui.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
