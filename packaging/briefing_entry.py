"""Entry point of the bundled (PyInstaller) app: the same `briefing` command as the pip install."""

import sys

from briefing.cli import main

if __name__ == "__main__":
    sys.exit(main())
