"""Capturing what native decoders print on stderr."""

from __future__ import annotations

import os

import pytest

from classic.decoder_messages import decoder_messages


def test_damage_lines_are_kept_and_other_lines_passed_on(capfd: pytest.CaptureFixture[str]) -> None:
    with decoder_messages() as report:
        os.write(2, b"Corrupt JPEG data: premature end of data segment\n")
        os.write(2, b"libpng warning: iCCP: known incorrect sRGB profile\n")
    assert report.damage == ["Corrupt JPEG data: premature end of data segment"]
    assert report.summary == "Corrupt JPEG data: premature end of data segment"
    err = capfd.readouterr().err
    assert "known incorrect sRGB profile" in err and "Corrupt JPEG" not in err


def test_nothing_printed_is_no_damage(capfd: pytest.CaptureFixture[str]) -> None:
    with decoder_messages() as report:
        pass
    assert report.damage == [] and report.summary == ""
    os.write(2, b"after\n")  # stderr is back where it was
    assert capfd.readouterr().err == "after\n"
