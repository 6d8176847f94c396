"""The emulated NodeMCU board: power, resets, the Lua world of one boot and the event loop that runs it; counterpart of app/user/user_main.c and lua_main of app/lua53/lua.c.

Use in-process (the console's emulated link, tests)::

    board = Board(directory)            # state folder; None keeps flash and files in memory
    board.set_output(sink)              # ByteEndpoint: every byte the node transmits
    board.start()                       # power on; Lua runs on the board's own thread
    board.feed(b"print(1+1)\\r\\n")     # bytes arriving at the node's RX pin
    board.reset()                       # the EN pin: reboot
    board.close()

Without `set_output` the transmitted bytes are kept for `read(timeout)`.  A board that is never
`start()`ed is driven by its caller instead: `power_on()`, `feed()`, `run_until_idle()` and, with
`clock=ManualClock()`, `advance(seconds)` — everything then runs deterministically on the calling
thread (the tests' mode).

Event model (spec §5): bytes received are handled by the input driver as a HIGH task; Lua work
runs as tasks and timer callbacks one at a time.  While a task runs, a count hook counts VM
instructions: past `watchdog_instructions` without `tmr.wdclr()` the chip resets as the SDK
watchdog does, and a pending reset request (EN pin, node.restart after the task) is honoured.
"""

from __future__ import annotations

import threading
from collections import deque

from vm.errors import LuaError
from vm.nodemcu import lfs_region
from vm.nodemcu.boot import RST_POWER_ON, RST_RESET, RST_WATCHDOG, BoardProfile, boot_board
from vm.nodemcu.memory import BOOT_LUA_HEAP, measure, rom_proto_ids
from vm.nodemcu.pins import Pins
from vm.nodemcu.repl import Repl, run_protected
from vm.nodemcu.scheduler import HIGH, ManualClock, RealClock, Scheduler
from vm.nodemcu.state import BoardState
from vm.nodemcu.uart import RX_RING, InputDriver, Uart0

HOOK_STEP = 1000                       # instructions between watchdog checks
WATCHDOG_INSTRUCTIONS = 3_000_000      # ~3 s of a task without feeding the watchdog [U]
CALLBACK_RESTART_DELAY = 2.0           # default onerror: restart 2000 ms after the report
MEMORY_CHECK_TICKS = 64               # heap budget checked every 64 000 instructions
OUTPUT_LIMIT = 1 << 20                 # bytes kept for read() when no sink is registered

# (raw rst cause, extended reason) of node.bootreason() [U for the raw codes]
POWER_ON = (RST_POWER_ON, 0)
HW_WATCHDOG = (RST_WATCHDOG, 1)
SOFT_RESTART = (RST_RESET, 4)
EXTERNAL_RESET = (RST_RESET, 6)
DEEP_SLEEP_WAKE = (5, 5)                # the ROM reports rst cause 5 after a deep-sleep wake


class BoardReset(SystemExit):
    """Unwinds the running task for a reset; SystemExit so that Lua's pcall cannot catch it."""

    def __init__(self, reason: tuple[int, int]):
        super().__init__()
        self.reason = reason


class Board:
    """One emulated ESP8266 running NodeMCU 3.0 (Lua 5.1, float build)."""

    def __init__(self, directory=None, *, profile: BoardProfile | None = None, clock=None,
                 durable: bool = True, state: BoardState | None = None,
                 watchdog_instructions: int = WATCHDOG_INSTRUCTIONS, boot_baud: int = 115200):
        self.profile = profile or BoardProfile()
        self.state = state or BoardState(directory, self.profile.layout, durable=durable)
        self.clock = clock or RealClock()
        self.watchdog_instructions = watchdog_instructions
        self.boot_baud = boot_baud              # BIT_RATE_DEFAULT of this build
        self.uart = Uart0(self._emit)
        self.driver = InputDriver(self.uart, self._on_line)
        self.scheduler = Scheduler(self.clock)
        self.pins = Pins(self)
        self.lfs = lfs_region.LfsRegion(self)
        self.lua = None
        self.repl: Repl | None = None
        self.modules: dict = {}
        self.boot_reason = POWER_ON
        self.boots = 0
        self.hung = False
        self.powered = False
        self.restart_pending: tuple[int, int] | None = None
        self.instructions = 0
        self.onerror = None
        self.power_cut_hook = None     # test hook: called with each flash write of an LFS reload
        self._cond = threading.Condition()
        self._rx = bytearray()
        self._busy = False
        self._reset_request: tuple[int, int] | None = None
        self._startup: bytes | None = None
        self._host_events: deque = deque()
        self._sink = None
        self._baud_listener = None
        self._outbox = bytearray()
        self._thread: threading.Thread | None = None
        self._stop = False
        self.ready = threading.Event()         # set once the board first has nothing to do
        self.uart.baud_listener = self._baud_changed
        self.overruns = 0
        self._heap_baseline = 0
        self._mount_deferred = False
        self._sleep_until = None
        self._wake_at: float | None = None     # deep sleep: clock time of the RTC wake pulse
        self.port_map: dict[int, int] = {}     # net servers: node port -> port on 127.0.0.1
        self.on_port_mapped = None             # host hook fn(node_port, host_port)

    # -- ByteEndpoint ----------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Bytes arriving at RX.  While a Lua task runs they wait in the 256-byte ring, whose
        oldest bytes are overwritten when it is full (spec §1.4)."""
        if not data:
            return
        with self._cond:
            self._rx += data
            if self._busy and len(self._rx) > RX_RING:
                self.overruns += len(self._rx) - RX_RING
                del self._rx[:len(self._rx) - RX_RING]
            self._cond.notify_all()

    write = feed

    def set_output(self, sink) -> None:
        with self._cond:
            self._sink = sink
            pending, self._outbox = bytes(self._outbox), bytearray()
        if sink is not None and pending:
            sink(pending)

    def set_baud_listener(self, listener) -> None:
        self._baud_listener = listener

    def reset(self) -> None:
        """EN pin: reboot as soon as the board's thread sees it (also inside a running task)."""
        with self._cond:
            self._reset_request = EXTERNAL_RESET
            self._cond.notify_all()

    def read(self, timeout: float = 0.0) -> bytes:
        """Transmitted bytes collected while no sink is registered (waits up to `timeout`)."""
        with self._cond:
            if not self._outbox and timeout > 0:
                self._cond.wait(timeout)
            data, self._outbox = bytes(self._outbox), bytearray()
        return data

    def _emit(self, data: bytes) -> None:
        with self._cond:
            sink = self._sink
            if sink is None:
                self._outbox += data
                if len(self._outbox) > OUTPUT_LIMIT:
                    del self._outbox[:len(self._outbox) - OUTPUT_LIMIT]
                self._cond.notify_all()
        if sink is not None:
            sink(data)

    def _baud_changed(self, baud: int) -> None:
        listener = self._baud_listener
        if listener is not None:
            listener(baud)

    def host_call(self, fn) -> None:
        """Run `fn()` on the board's thread between tasks (host-side pin changes and the like)."""
        with self._cond:
            self._host_events.append(fn)
            self._cond.notify_all()

    # -- threaded operation ----------------------------------------------------------------------

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the started board has booted and gone idle (first prompt sent)."""
        return self.ready.wait(timeout)

    @staticmethod
    def warm_up() -> None:
        """Load the compiler's and translator's code paths once, so that the first lines a tool
        sends are answered as fast as later ones (host-side only; nothing on the board changes)."""
        import vm  # noqa: PLC0415
        from vm.runtime.state import LuaState  # noqa: PLC0415
        for source in (b"UUUUUUUUUUUU", b";", b"for i=1,2 do", b"x = = 1"):
            try:
                vm.compile(source, b"=stdin")
            except LuaError:
                pass
        scratch = LuaState(output=lambda data: None, libraries="nodemcu")
        scratch.pcall(scratch.load(b"local t = {} for i = 1, 3 do t[i] = tostring(i) .. 'x' end "
                                   b"return table.concat(t), ('%z'):rep(2), #t", b"=stdin"))

    def start(self) -> None:
        """Power on and run the board on its own thread until close()."""
        if self._thread is not None:
            return
        self._stop = False
        self._thread = threading.Thread(target=self._serve, name="nodemcu board", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the board's thread and release the state folder (files are committed)."""
        thread = self._thread
        if thread is not None:
            with self._cond:
                self._stop = True
                self._reset_request = self._reset_request or EXTERNAL_RESET
                self._cond.notify_all()
            if thread is not threading.current_thread():
                thread.join()
            self._thread = None
        self._teardown()
        self.state.close()

    def _serve(self) -> None:
        self.power_on()
        while True:
            with self._cond:
                if self._stop:
                    return
            if self.step():
                continue
            self.ready.set()
            due = self.next_due()
            timeout = None if due is None else max(0.0, due - self.clock.now())
            with self._cond:
                if self._stop:
                    return
                if not (self._rx or self._reset_request or self._host_events):
                    self._cond.wait(1.0 if timeout is None else min(timeout, 1.0))

    # -- caller-driven operation -----------------------------------------------------------------

    def power_on(self) -> None:
        self._boot(POWER_ON)

    def run_until_idle(self, limit: int = 100000) -> None:
        """Run input handling, due timers and queued tasks until nothing is ready."""
        for _ in range(limit):
            if not self.step():
                return

    def advance(self, seconds: float) -> None:
        """Move a ManualClock forward, firing timers in order as their time comes."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("advance() needs a board built with clock=ManualClock()")
        target = self.clock.now() + seconds
        while True:
            self.run_until_idle()
            due = self.next_due()
            if due is None or due > target:
                break
            self.clock.value = max(self.clock.value, due)
        self.clock.value = max(self.clock.value, target)
        self.run_until_idle()

    def next_due(self) -> float | None:
        """Clock time of the next timer or deep-sleep wake, or None."""
        due = self.scheduler.next_due()
        if self._wake_at is not None:
            due = self._wake_at if due is None else min(due, self._wake_at)
        return due

    def step(self) -> bool:
        """Do one thing (a reset, a host event, the input task, a timer or a task); False if idle."""
        with self._cond:
            request, self._reset_request = self._reset_request, None
            event = None
            if self._host_events and request is None and self._startup is None:
                event = self._host_events.popleft()
            data = b""
            if request is None and event is None and not self.hung and self._rx:
                data, self._rx = bytes(self._rx), bytearray()
        if request is not None:
            self._boot(request)
            return True
        if self._wake_at is not None and self.clock.now() >= self._wake_at:
            self._boot(DEEP_SLEEP_WAKE)         # GPIO16 pulls RST low when the RTC timer ends
            return True
        if self._startup is not None:
            command, self._startup = self._startup, None
            self.run_task(lambda: self.repl.startup(command))
            return True
        if event is not None:
            self.run_task(event)
            return True
        if self.hung or self.lua is None:
            return False
        if data:
            self.run_task(lambda: self.driver.feed(data))
            return True
        work = self.scheduler.next_work()
        if work is None:
            return False
        self.run_task(work)
        return True

    # -- tasks -----------------------------------------------------------------------------------

    def run_task(self, fn) -> None:
        """Run one work item to completion under the watchdog; then any deferred restart."""
        with self._cond:
            self._busy = True
        lua = self.lua
        self.instructions = 0
        try:
            if lua is not None:
                lua.set_count_hook(fn=self._tick, count=HOOK_STEP)
            fn()
        except BoardReset as reset:
            self._finish_task(lua)
            self._boot(reset.reason)
            return
        self._finish_task(lua)
        if self.restart_pending is not None:
            reason, self.restart_pending = self.restart_pending, None
            self._boot(reason)
        elif self._sleep_until is not None:
            us, self._sleep_until = self._sleep_until, None
            self._teardown()
            self.hung = True                    # deep sleep: silent until a reset wakes it
            if us > 0 and self.profile.dsleep_wake:
                self._wake_at = self.clock.now() + us / 1_000_000

    def _finish_task(self, lua) -> None:
        if lua is not None:
            lua.set_count_hook(fn=None)
        with self._cond:
            self._busy = False
        self.uart.flush()

    def _tick(self) -> None:
        self.instructions += HOOK_STEP
        if self._reset_request is not None:
            with self._cond:
                request, self._reset_request = self._reset_request, None
            if request is not None:
                raise BoardReset(request)
        if self.instructions > self.watchdog_instructions:
            raise BoardReset(HW_WATCHDOG)
        if (self.instructions // HOOK_STEP) % MEMORY_CHECK_TICKS == 0 and self.free_heap() <= 0:
            raise LuaError(b"not enough memory")

    def feed_watchdog(self) -> None:
        self.instructions = 0

    def hang_until_watchdog(self) -> None:
        """What the firmware's `while (1) {}` after a reflash or a new partition table does."""
        self.uart.flush()
        raise BoardReset(HW_WATCHDOG)

    def restart_later(self, reason=SOFT_RESTART) -> None:
        """node.restart(): the reset happens once the current task returns."""
        self.restart_pending = reason

    # -- output helpers used by the bindings -----------------------------------------------------

    def stdout(self, data: bytes) -> None:
        """Lua stdout (print, prompts): path A."""
        self.uart.stdout(data)

    def _on_line(self, line: bytes) -> None:
        if self.repl is not None:
            self.repl.write(line)

    # -- callbacks (luaL_pcallx) -----------------------------------------------------------------

    def call_callback(self, fn, *args) -> list | None:
        """Run a Lua callback as the firmware's luaL_pcallx: errors go to the onerror reporter."""
        ok, result = run_protected(fn, args)
        if ok:
            return result
        self.after_error()
        message = result if result is not None else b"nil"
        self.scheduler.post(HIGH, lambda: self._report_error(message))
        return None

    def call_unprotected(self, fn, *args) -> None:
        """lua_call outside any protected call (the network stack's callbacks): an error is a
        PANIC on path B, then the CPU spins until the watchdog resets the chip."""
        from vm.runtime.calls import ccall  # noqa: PLC0415
        try:
            ccall(fn, *args)
        except LuaError as failure:
            value = failure.value
            if isinstance(value, float):
                from vm.runtime.values import number_to_bytes  # noqa: PLC0415
                value = number_to_bytes(value)
            text = value if isinstance(value, bytes) else b"(null)"
            self.uart.debug(b"PANIC: unprotected error in call to Lua API (" + text + b")\n")
            self.hang_until_watchdog()

    def _report_error(self, message) -> None:
        handler = self.onerror
        if handler is None:
            self._default_onerror(message)
            return
        ok, _ = run_protected(handler, (message,))
        if not ok:
            self._default_onerror(message)

    def _default_onerror(self, message) -> None:
        if self.repl is not None:
            self.repl.print_values([message])
        if not getattr(self, "_restart_timer_armed", False):
            self._restart_timer_armed = True
            self.scheduler.arm(CALLBACK_RESTART_DELAY, lambda: self.restart_later(SOFT_RESTART))

    def after_error(self) -> None:
        """The full collection the firmware runs after a failed chunk (not observable)."""

    # -- boot ------------------------------------------------------------------------------------

    def _teardown(self) -> None:
        lua, self.lua = self.lua, None
        if lua is not None:
            for module in self.modules.values():
                stop = getattr(module, "shutdown", None)
                if stop is not None:
                    stop()
            lua.set_count_hook(fn=None)
            try:
                from vm.runtime import hooks  # noqa: PLC0415
                hooks._tracers.pop(id(lua), None)
            except (ImportError, AttributeError):
                pass
        self.modules = {}
        self.repl = None
        self.onerror = None
        self._restart_timer_armed = False
        self.scheduler.clear()
        self.restart_pending = None
        self._startup = None
        self._sleep_until = None

    def _boot(self, reason: tuple[int, int]) -> None:
        """Reset the chip and run the boot sequence up to the start-up command's end."""
        from vm.nodemcu.modules import create_lua  # noqa: PLC0415
        self._teardown()
        self._wake_at = None
        self.uart.flush()
        self.boots += 1
        self.boot_reason = reason
        self.powered = True
        self.hung = False
        self.clock.restart()
        with self._cond:
            self._rx.clear()                    # bytes sent during reset are lost
        self.uart.reset()
        if self.boot_baud != self.uart.baud:
            self.uart.setup(self.boot_baud)
        self.driver.reset()
        self.pins.reset()
        self.state.spiffs.unmount()
        output = boot_board(self.profile, self.state.table, self.state.spiffs, rst_cause=reason[0],
                            lfs_message=self.lfs.boot_message)
        self.uart.raw(output.wire)
        if output.hung:
            self.hung = True
            self.uart.flush()
            return
        self._mount_deferred = output.mount_deferred
        self.lfs.map_at_boot()
        self.lua = create_lua(self)
        self._heap_baseline = 0
        self._heap_baseline = self._measure()
        self.repl = Repl(self)
        self.repl.write(b" \n")                 # the queued blank job prints the first prompt
        self._startup = self.startup_command()  # runs first, as the rest of lua_main

    def startup_command(self) -> bytes:
        from vm.nodemcu.rcr import RCR_INITSTR  # noqa: PLC0415
        stored = self.state.table.rcr.read(RCR_INITSTR)
        if stored is None:
            return b"@init.lua"
        return stored.rstrip(b"\0")

    # -- services the bindings share -------------------------------------------------------------

    strip_level = 2

    def free_heap(self) -> int:
        """node.heap(): the profile's free heap at the first prompt minus what Lua grew since."""
        return max(0, self.profile.free_heap - (self._measure() - self._heap_baseline))

    def lua_heap_used(self) -> int:
        return BOOT_LUA_HEAP + max(0, self._measure() - self._heap_baseline)

    def _measure(self) -> int:
        if self.lua is None:
            return self._heap_baseline
        roots = [self.lua.globals, self.lua.registry]
        if self.repl is not None and self.repl.pending is not None:
            roots.append(self.repl.pending)
        return measure(roots, rom_proto_ids(self.lfs.image))

    def ram_strings(self) -> list[bytes]:
        """debug.getstrings('RAM'): the interned strings reachable now (keywords and
        metamethod names included, as the firmware's RAM string table holds them), minus
        those in the mapped LFS image."""
        from vm.nodemcu.memory import reachable_strings  # noqa: PLC0415
        rom = set(self.lfs.rom_strings() or ())
        return sorted(s for s in reachable_strings([self.lua.globals, self.lua.registry]) if s not in rom)

    def redirect_output(self, fn, serial_debug: bool) -> None:
        """node.output: path A into a pipe read by `fn` as a MEDIUM task."""
        if fn is None:
            self.uart.set_redirect(None)
            return
        from vm.nodemcu.modules.pipe import new_pipe  # noqa: PLC0415
        pipe, obj = new_pipe()
        posted = [False]

        def reader():
            posted[0] = False
            if pipe.data:
                self.call_callback(fn, obj)

        def write(data: bytes) -> None:
            pipe.data += data
            if not posted[0]:
                posted[0] = True
                self.scheduler.post(1, reader)
        self.uart.set_redirect(write, serial_debug)

    def deep_sleep(self, us: float) -> None:
        """node.dsleep: after the task the chip sleeps; with GPIO16 wired to RST
        (`profile.dsleep_wake`) it boots again after `us` with the deep-sleep reason (0: only
        a reset wakes it)."""
        self.restart_pending = None
        self._sleep_until = us

    def wifi_restore(self) -> None:
        wifi = self.modules.get("wifi")
        if wifi is not None:
            wifi.restore()

    def mount_deferred(self) -> None:
        """First file access with the delayed-mount start-up option: mount (or format) now."""
        from vm.nodemcu.boot import mount_or_format  # noqa: PLC0415
        if not self.state.spiffs.mounted and self._mount_deferred:
            self._mount_deferred = False
            text, _, _ = mount_or_format(self.state.spiffs, self.state.table)
            self.uart.debug(text)

    def load_file(self, name: bytes):
        """luaL_loadfile over SPIFFS: (function, None) or (None, error message)."""
        from vm.nodemcu.modules.base import load_file  # noqa: PLC0415
        return load_file(self, name)
