"""Compositing for photographers: ``python main.py`` opens the GUI; ``--help`` lists the rest."""

from __future__ import annotations

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
