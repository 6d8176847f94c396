"""The interpreter's line job: stdin pipe, `=` shorthand, multi-line continuation, result and error printing, prompts; counterpart of app/lua53/lua.c (dojob, l_read_stdin, docall, the start-up command).

The UART input driver and `node.input` append bytes to `stdin`; a LOW-priority task takes one
LF-terminated line per run (a partial line waits for more) and runs `job(line)`, which prints
through the *global* `print` (so `node.output` and a user's `print` see it) and finally writes
the prompt on path A.  Errors from chunks run here are printed, never reported to `onerror`.
"""

from __future__ import annotations

from vm.errors import LuaError, LuaSyntaxError
from vm.runtime.state import protected_call, traceback_handler
from vm.runtime.table import Table
from vm.runtime.values import number_to_bytes

PROMPT, PROMPT2 = b"> ", b">> "
EOF_MARK = b"'<eof>'"
REPL_FRAMES = "\n\t[C]: ?\n\t[C]: ?"      # the pipe reader and the task that runs it
STARTUP_FRAMES = "\n\t[C]: ?"              # the C function that runs the start-up command


def with_traceback(result, extra_frames: str = ""):
    """The message handler's product for protected_call's (value, traceback) pair: a string
    error becomes `msg\\nstack traceback:...`; other values pass unchanged (debug.traceback
    returns non-string messages as they are)."""
    value, tb = result
    if isinstance(value, float):
        value = number_to_bytes(value)
    if not isinstance(value, bytes):
        return value
    return value + b"\n" + (tb + extra_frames).encode("latin-1")


def run_protected(fn, args=(), extra_frames: str = ""):
    """docall: (True, results) or (False, error value with traceback appended).

    A memory error carries no traceback (Lua skips the handler for it)."""
    ok, result = protected_call(fn, args, traceback_handler)
    if ok:
        return True, list(result)
    value, _ = result
    if value == b"not enough memory":
        return False, value
    return False, with_traceback(result, extra_frames)


class Repl:
    """The REPL of one boot; `board` supplies lua, uart, driver and the scheduler."""

    def __init__(self, board):
        self.board = board
        self.stdin = bytearray()
        self.pending: bytes | None = None        # the stored incomplete chunk (MLref)
        self.reader_posted = False

    # -- the stdin pipe ------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Append to the input pipe (UART lines, node.input) and make sure the reader runs."""
        self.stdin += data
        self._post_reader()

    def _post_reader(self) -> None:
        if not self.reader_posted and b"\n" in self.stdin:
            self.reader_posted = True
            self.board.scheduler.post(0, self._read_stdin)

    def _read_stdin(self) -> None:
        self.reader_posted = False
        end = self.stdin.find(b"\n")
        if end < 0:
            return
        line = bytes(self.stdin[:end])
        del self.stdin[:end + 1]
        try:
            self.job(line)
        finally:
            self._post_reader()

    # -- one line ------------------------------------------------------------------------------

    def job(self, line: bytes) -> None:
        lua = self.board.lua
        if self.pending is not None:
            chunk = self.pending + b"\n" + line
        elif line.startswith(b"="):
            chunk = b"return " + line[1:]
        else:
            chunk = line
        try:
            fn = lua.load(chunk, b"=stdin")
        except LuaSyntaxError as error:
            message = error.value if isinstance(error.value, bytes) else str(error.value).encode()
            if message.endswith(EOF_MARK):
                self.pending = chunk
            else:
                self.pending = None
                self.print_values([b"Lua error: ", message])
            self._prompt()
            return
        except MemoryError:
            self.pending = None
            self.print_values([b"Lua error: ", b"not enough memory"])
            self._prompt()
            return
        self.pending = None
        ok, values = run_protected(fn, (), REPL_FRAMES)
        if not ok:
            self.board.after_error()
            values = [values] if values is None else [b"Lua error: ", values]
        self.print_values(values)
        self._prompt()

    def print_values(self, values) -> None:
        """l_print: hand the values to the global print; a failing print is reported on path B."""
        if not values:
            return
        lua = self.board.lua
        printer = lua.globals[b"print"]
        ok, result = protected_call(printer, tuple(values)) if printer is not None else (False, None)
        if not ok:
            if printer is None:
                result = b"attempt to call a nil value"
            text = result if isinstance(result, bytes) else b"?"
            self.board.uart.debug(b"error calling 'print' (" + text + b")\n")

    def _prompt(self) -> None:
        lua = self.board.lua
        first = self.pending is None
        value = lua.globals[b"_PROMPT" if first else b"_PROMPT2"]
        if isinstance(value, float):
            value = number_to_bytes(value)
        prompt = value if isinstance(value, bytes) else (PROMPT if first else PROMPT2)
        self.board.driver.set_prompt(prompt)
        self.board.stdout(prompt)

    # -- the start-up command ------------------------------------------------------------------

    def startup(self, command: bytes) -> None:
        """Run the start-up command (`@file`, `!lfsmodule` or a chunk named `=INIT`)."""
        board = self.board
        lua = board.lua
        fn = None
        error = None
        if command.startswith(b"!"):
            fn = board.lfs.get(command[1:])
            if fn is None:
                error = b"cannot load LFS." + command[1:]
        elif command.startswith(b"@"):
            fn, error = board.load_file(command[1:])
        else:
            try:
                fn = lua.load(command, b"=INIT")
            except LuaSyntaxError as exc:
                error = exc.value
        if fn is not None:
            ok, values = run_protected(fn, (), STARTUP_FRAMES)
            if not ok:
                error = values
        if error is not None:
            self.print_values([error])


_ = (LuaError, Table)
