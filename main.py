"""Compositing for photographers: ``python main.py`` opens the GUI; ``--help`` lists the rest."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    try:  # Importing torch and the rest takes seconds: Ctrl+C meanwhile is no traceback either.
        from app.cli.cli import main
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(main())
