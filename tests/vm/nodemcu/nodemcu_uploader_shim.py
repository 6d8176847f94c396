"""Run nodemcu-uploader against a pseudo-terminal.

Two things stand between the unmodified tool and `espconsole emulate --pty`, neither about the
node: a Linux pty has no modem lines, so pyserial's RTS/DTR ioctls fail with ENOTTY (a USB
adapter accepts them; the emulated board has no reset wiring anyway), and nodemcu-uploader
1.0.0's `exec` reads the file as bytes and then calls str methods on it, which fails on
Python 3 before any byte is sent.  This shim makes the modem-line calls no-ops on ptys and
hands `exec` text, then runs the tool's own main().
"""

from __future__ import annotations

import errno
import sys

import serial.serialposix as serialposix


def _ignore_missing_modem_lines(update):
    def wrapper(self):
        try:
            update(self)
        except OSError as exc:
            if exc.errno not in (errno.ENOTTY, errno.EINVAL):
                raise
    return wrapper


serialposix.Serial._update_rts_state = _ignore_missing_modem_lines(serialposix.Serial._update_rts_state)
serialposix.Serial._update_dtr_state = _ignore_missing_modem_lines(serialposix.Serial._update_dtr_state)

from nodemcu_uploader import uploader  # noqa: E402
from nodemcu_uploader.main import main_func  # noqa: E402

_exec_file = uploader.Uploader.exec_file
_from_file = uploader.from_file


def _exec_file_text(self, path):
    uploader.from_file = lambda name: _from_file(name).decode("latin-1")
    try:
        return _exec_file(self, path)
    finally:
        uploader.from_file = _from_file


uploader.Uploader.exec_file = _exec_file_text

if __name__ == "__main__":
    sys.argv[0] = "nodemcu-uploader"
    sys.exit(main_func())
