"""The `gpio` module: pin modes, read/write, trig interrupts driven from the host side (level triggers re-arm after the callback), serout; counterpart of app/modules/gpio.c.
"""

from __future__ import annotations

from vm.nodemcu.modules.support import arg_error, error, lua_function, module_table
from vm.nodemcu.pins import INPUT, INT, OPENDRAIN, OUTPUT, PIN_COUNT, PULLUP
from vm.nodemcu.scheduler import HIGH
from vm.runtime.table import Table
from vm.runtime.values import is_function
from vm.stdlib.auxlib import check_int, check_option

TRIGGERS = (b"none", b"up", b"down", b"both", b"low", b"high")


def open(board, lua) -> Table:  # noqa: A001
    pins = board.pins
    handlers: dict[int, tuple[bytes, object]] = {}
    counts = [0] * PIN_COUNT

    def check_pin(args, allow_zero: bool = True) -> int:
        pin = check_int(args, 0)
        if not 0 <= pin < PIN_COUNT:
            error(b"gpio %d does not exist" % pin)
        return pin

    armed = [True] * PIN_COUNT          # a level interrupt is off from firing until re-armed

    def wanted(kind: bytes, level: int) -> bool:
        return {b"up": level == 1, b"down": level == 0, b"both": True,
                b"low": level == 0, b"high": level == 1}.get(kind, False)

    def fire(pin: int, level: int) -> None:
        counts[pin] += 1
        if counts[pin] > 1:
            return                      # a callback is already queued: it reports the count
        when = float(int(board.clock.now() * 1_000_000) & 0x7FFFFFFF)
        board.scheduler.post(HIGH, lambda: run_callback(pin, level, when))

    def run_callback(pin: int, level: int, when: float) -> None:
        entry = handlers.get(pin)
        if entry is None:
            return
        kind, fn = entry
        count, counts[pin] = counts[pin], 0
        if fn is not None:
            board.call_callback(fn, float(level), when, float(count))
        if kind in (b"low", b"high"):
            rearm(pin)

    def rearm(pin: int) -> None:
        """Level interrupts are re-enabled after the callback: still at the level, they fire
        again at once."""
        armed[pin] = True
        entry = handlers.get(pin)
        if entry is not None and pins.mode[pin] == INT and entry[0] in (b"low", b"high") \
                and wanted(entry[0], pins.level(pin)):
            armed[pin] = False
            fire(pin, pins.level(pin))

    def on_edge(pin: int, level: int) -> None:
        entry = handlers.get(pin)
        if entry is None or pins.mode[pin] != INT:
            return
        kind, fn = entry
        if not wanted(kind, level) or fn is None:
            return
        if kind in (b"low", b"high"):
            if not armed[pin]:
                return
            armed[pin] = False
        fire(pin, level)

    pins.on_edge = on_edge

    @lua_function("mode")
    def mode(*args):
        pin = check_int(args, 0)
        if not 0 <= pin < PIN_COUNT:
            arg_error(1, b"Invalid pin")
        kind = check_int(args, 1)
        if kind not in (INPUT, OUTPUT, INT, OPENDRAIN):
            arg_error(2, b"wrong arg type")
        if pin == 0 and kind in (INT, OPENDRAIN):
            arg_error(1, b"Invalid pin")
        pull = check_int(args, 2) if len(args) > 2 and args[2] is not None else 0
        if pins.mode[pin] == INT and kind != INT:
            handlers.pop(pin, None)
        pins.mode[pin] = kind
        pins.pull[pin] = PULLUP if pull else 0
        return ()

    @lua_function("read")
    def read(*args):
        pin = check_pin(args)
        return (float(pins.level(pin)),)

    latch, toggles, listeners = pins.latch, pins.toggles, pins.listeners

    @lua_function("write")
    def write(*args):
        if len(args) == 2 and type(args[0]) is float and (args[1] == 1.0 or args[1] == 0.0) \
                and not listeners:
            pin, level = int(args[0]), int(args[1])          # the hot path of toggle loops
            if 0 <= pin < PIN_COUNT and pin == args[0]:
                if latch[pin] != level:
                    latch[pin] = level
                    toggles[pin] += 1
                return ()
        pin = check_pin(args)
        level = check_int(args, 1)
        if level not in (0, 1):
            arg_error(2, b"wrong level type")
        pins.write(pin, level)
        return ()

    @lua_function("trig")
    def trig(*args):
        pin = check_int(args, 0)
        if not 1 <= pin < PIN_COUNT:
            arg_error(1, b"Invalid interrupt pin")
        kind = check_option(args, 1, b"none", TRIGGERS) if len(args) > 1 else b"none"
        old = handlers.get(pin, (b"none", None))[1]
        if kind == b"none":
            handlers.pop(pin, None)
            return ()
        if len(args) == 2 and old is not None:
            fn = old
        elif len(args) > 2 and is_function(args[2]):
            fn = args[2]
        else:
            handlers.pop(pin, None)
            arg_error(3, b"invalid callback type")
        handlers[pin] = (kind, fn)
        counts[pin] = 0
        if kind in (b"low", b"high"):
            rearm(pin)
        return ()

    serout_state = {"timer": None}

    @lua_function("serout")
    def serout(*args):
        pin = check_int(args, 0)
        level = check_int(args, 1)
        repeats = (check_int(args, 3) if len(args) > 3 and args[3] is not None else 1) - 1
        done = args[4] if len(args) > 4 else None
        is_async = done is not None
        if serout_state["timer"] is not None:
            serout_state["timer"].cancelled = True
            serout_state["timer"] = None
        if not 0 <= pin < PIN_COUNT:
            arg_error(1, b"Invalid pin")
        if level not in (0, 1):
            arg_error(2, b"Wrong level type")
        table = args[2] if len(args) > 2 else None
        if type(table) is not Table or table.length() >= 256:
            arg_error(3, b"Invalid delay_times")
        delays = [check_int((table.rawget(float(i)),), 0) & 0xFFFFFFFF
                  for i in range(1, int(table.length()) + 1)]
        steps = [d for _ in range(max(repeats, 0) + 1) for d in delays]
        if not is_async:
            for delay in steps:                 # delayMicroseconds: the CPU waits
                pins.write(pin, level)
                level ^= 1
                board.clock.busy_wait(delay / 1_000_000)
            return ()
        callback = done if is_function(done) else None
        queue = list(steps)

        def step() -> None:
            nonlocal level
            serout_state["timer"] = None
            if queue:
                pins.write(pin, level)
                level ^= 1
                serout_state["timer"] = board.scheduler.arm(queue.pop(0) / 1_000_000, step)
            elif callback is not None:
                board.scheduler.post(0, lambda: board.call_callback(callback))
        step()
        return ()

    return module_table({"mode": mode, "read": read, "write": write, "trig": trig,
                         "serout": serout},
                        {"OUTPUT": OUTPUT, "INPUT": INPUT, "INT": INT, "OPENDRAIN": OPENDRAIN,
                         "HIGH": 1, "LOW": 0, "FLOAT": 0, "PULLUP": PULLUP})
