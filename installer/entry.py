"""What the frozen ``dxdesk`` program runs (PyInstaller's entry script)."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
