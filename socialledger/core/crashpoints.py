"""Named points where a test may kill the process (SIGKILL, as a power cut would), to prove that what a
command leaves half done is found and finished by running it again (docs/audit.md, "Decisions").

`SOCIALLEDGER_TEST_CRASH_AT=<name>` kills the process when it reaches the point `<name>`; unset (always,
outside tests) a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "SOCIALLEDGER_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
