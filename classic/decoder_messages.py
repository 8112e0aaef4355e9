"""What a codec library says on stderr while it decodes: the only sign of damage it gives.

libjpeg, libpng and libtiff report corrupt but decodable data ("Corrupt JPEG data: premature end of data
segment") by printing to the process's standard error and go on, filling the rest with grey; OpenCV
returns the image as if nothing happened. ``decoder_messages`` points file descriptor 2 at a temporary
file while one decode runs (one at a time, under a lock), gives back what was printed, and passes every
line that is not a damage report on to the real stderr, so nothing else printed meanwhile is lost.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# Damage reports of libjpeg, libpng, zlib and libtiff. Harmless warnings (an unknown TIFF tag, an
# incorrect sRGB profile) are not matched.
DAMAGE = re.compile(
    r"corrupt|premature end|bogus|truncat|crc error|libpng error|read error|not enough (image )?data"
    r"|invalid (distance|code|stored block|huffman)|extra compressed data|data error|unexpected end",
    re.IGNORECASE,
)
_LOCK = threading.Lock()


@dataclass
class DecoderReport:
    """Filled when the ``decoder_messages`` block ends: the damage lines the decoder printed."""

    damage: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """The first damage line, or "" when the decoder reported none."""
        return self.damage[0] if self.damage else ""


@contextmanager
def decoder_messages() -> Iterator[DecoderReport]:
    """Capture what native code prints on stderr inside the block; damage lines go into the report."""
    report = DecoderReport()
    with _LOCK, tempfile.TemporaryFile() as sink:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):  # No stderr (a windowed app): nothing to capture.
            yield report
            return
        os.dup2(sink.fileno(), 2)
        try:
            yield report
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            _sort(sink.read().decode("utf-8", "replace"), report)


def _sort(text: str, report: DecoderReport) -> None:
    passed = []
    for line in text.splitlines():
        if DAMAGE.search(line):
            report.damage.append(line.strip())
        elif line.strip():
            passed.append(line)
    if passed:
        os.write(2, ("\n".join(passed) + "\n").encode())
