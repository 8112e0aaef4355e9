"""Runs many command lines through ``app.cli.cli.main`` in one process under an address-space limit.

``python -m tests.fault_runner CASES.json RESULTS.json`` reads ``{"limit_bytes", "seconds", "cases":
[{"id", "argv", "inputs", "out"}]}``. For each case it captures what the command prints on the process's
stderr (file descriptor 2, so native libraries' messages count too), its exit status and time, whether
any input file changed and what appeared in the output folder (which it then empties). Results are
written after every case, so a case that hangs (``faulthandler`` ends the process after ``seconds``)
shows as the first one missing. One process keeps the corpus test fast: importing torch once, not 250
times.
"""

from __future__ import annotations

import contextlib
import faulthandler
import hashlib
import json
import os
import resource
import shutil
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def fingerprint(path: str) -> str:
    """What a file is, without opening anything that is not a regular file (a FIFO would block)."""
    try:
        status = os.lstat(path)
    except OSError:
        return "absent"
    if stat.S_ISREG(status.st_mode):
        return "file " + hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return f"mode {stat.S_IFMT(status.st_mode):o} mtime {status.st_mtime_ns}"


def run_case(argv: list[str]) -> tuple[int, str, float]:
    """Exit status, stderr text and seconds of ``main.py ARGV``, run in this process."""
    from app.cli.cli import main

    with tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        started = time.monotonic()
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's usage errors
            status = exit_.code if isinstance(exit_.code, int) else 2
        except BaseException as error:  # A crash is what the test looks for.
            print(f"Traceback (escaped main): {type(error).__name__}: {error}", file=sys.stderr)
            status = -1
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        seconds = time.monotonic() - started
        sink.seek(0)
        return status, sink.read().decode("utf-8", "replace"), seconds


def main(cases_file: str, results_file: str) -> None:
    plan: dict[str, Any] = json.loads(Path(cases_file).read_text())
    limit = int(plan["limit_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    results: dict[str, Any] = {}
    for case in plan["cases"]:
        before = {path: fingerprint(path) for path in case["inputs"]}
        faulthandler.dump_traceback_later(float(plan["seconds"]), exit=True)
        status, err, seconds = run_case(case["argv"])
        faulthandler.cancel_dump_traceback_later()
        out = Path(case["out"])
        results[case["id"]] = {
            "status": status,
            "stderr": err,
            "seconds": seconds,
            "changed": [path for path in case["inputs"] if fingerprint(path) != before[path]],
            "new": sorted(p.name for p in out.iterdir()),
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }
        for leftover in out.iterdir():
            with contextlib.suppress(OSError):
                shutil.rmtree(
                    leftover
                ) if leftover.is_dir() and not leftover.is_symlink() else leftover.unlink()
        Path(results_file).write_text(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
