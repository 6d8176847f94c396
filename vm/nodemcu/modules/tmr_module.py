"""The `tmr` module: timer objects (register/alarm/start/stop/unregister/interval/state), now/time/delay/softwd/wdclr/ccount; counterpart of app/modules/tmr.c.
"""

from __future__ import annotations

from vm.nodemcu.modules.support import arg_error, error, lua_function, module_table, new_class
from vm.runtime.table import Table
from vm.runtime.values import Userdata, is_function
from vm.stdlib.auxlib import check_int, check_number, type_error

ALARM_SINGLE, ALARM_AUTO, ALARM_SEMI = 0, 1, 2
MAX_INTERVAL = 6870947                  # 0x68D7A3 ms: what the SDK timer can count
CPU_HZ = 80_000_000


class Timer:
    __slots__ = ("interval", "mode", "callback", "running", "armed", "userdata")

    def __init__(self):
        self.interval = 0
        self.mode = None                # None: unregistered
        self.callback = None
        self.running = False
        self.armed = None               # the scheduler Timer while running
        self.userdata = None


def open(board, lua) -> Table:  # noqa: A001
    scheduler = board.scheduler
    methods: dict = {}
    live: set = set()                   # running timers stay alive without Lua references
    softwd = {"timer": None}

    def timer_of(args) -> Timer:
        value = args[0] if args else None
        if type(value) is not Userdata or value.meta is not meta:
            type_error(args, 0, b"tmr.timer")
        return value.payload

    def disarm(t: Timer) -> None:
        if t.armed is not None:
            t.armed.cancelled = True
            t.armed = None
        t.running = False
        live.discard(t)

    def arm(t: Timer) -> None:
        t.armed = scheduler.arm(t.interval / 1000.0, lambda: fire(t))
        t.running = True
        live.add(t)

    def fire(t: Timer) -> None:
        t.armed = None
        callback = t.callback
        if t.mode == ALARM_AUTO:
            arm(t)
        else:
            t.running = False
            live.discard(t)
            if t.mode == ALARM_SINGLE:
                t.mode, t.callback = None, None
        if callback is not None:
            board.call_callback(callback, t.userdata)

    def register(args, name: bytes) -> Timer:
        t = timer_of(args)
        interval = check_int(args, 1)
        if not 0 < interval <= MAX_INTERVAL:
            arg_error(2, b"Range: 1-0x68D7A3")
        mode = check_int(args, 2)
        if mode not in (ALARM_SINGLE, ALARM_AUTO, ALARM_SEMI):
            arg_error(3, b"Invalid mode")
        fn = args[3] if len(args) > 3 else None
        if not is_function(fn):
            arg_error(4, b"Must be function")
        disarm(t)
        t.interval, t.mode, t.callback = interval, mode, fn
        _ = name
        return t

    @lua_function("create")
    def create(*args):
        t = Timer()
        obj = Userdata(t, meta)
        t.userdata = obj
        return (obj,)

    @lua_function("register")
    def t_register(*args):
        register(args, b"register")
        return ()

    @lua_function("alarm")
    def t_alarm(*args):
        t = register(args, b"alarm")
        arm(t)
        return (True,)

    @lua_function("start")
    def t_start(*args):
        t = timer_of(args)
        restart = False
        if len(args) > 1 and args[1] is not None:
            if not isinstance(args[1], bool):
                error(b"boolean expected")
            restart = args[1]
        if t.mode is None:
            return (False,)
        if t.running:
            if not restart:
                return (False,)
            disarm(t)
        arm(t)
        return (True,)

    @lua_function("stop")
    def t_stop(*args):
        t = timer_of(args)
        was = t.running
        disarm(t)
        return (was,)

    @lua_function("unregister")
    def t_unregister(*args):
        t = timer_of(args)
        disarm(t)
        t.mode, t.callback = None, None
        return ()

    @lua_function("interval")
    def t_interval(*args):
        t = timer_of(args)
        interval = check_int(args, 1)
        if not 0 < interval <= MAX_INTERVAL:
            arg_error(2, b"Range: 1-0x68D7A3")
        if t.mode is None:
            return ()
        t.interval = interval
        if t.running:
            disarm(t)
            arm(t)
        return ()

    @lua_function("state")
    def t_state(*args):
        t = timer_of(args)
        if t.mode is None:
            return (None,)
        return (t.running, float(t.mode))

    @lua_function("now")
    def now(*args):
        return (float(int(board.clock.now() * 1_000_000) & 0x7FFFFFFF),)

    @lua_function("time")
    def tmr_time(*args):
        return (float(int(board.clock.now())),)

    @lua_function("delay")
    def delay(*args):
        us = check_number(args, 0)
        if us <= 0:
            arg_error(1, b"wrong arg range")
        board.clock.busy_wait(us / 1_000_000)
        board.feed_watchdog()
        return ()

    @lua_function("wdclr")
    def wdclr(*args):
        board.feed_watchdog()
        return ()

    @lua_function("softwd")
    def softwd_(*args):
        seconds = check_int(args, 0)
        if softwd["timer"] is not None:
            softwd["timer"].cancelled = True
            softwd["timer"] = None
        if seconds > 0:
            softwd["timer"] = scheduler.arm(float(seconds), lambda: board.restart_later())
        return ()

    @lua_function("ccount")
    def ccount(*args):
        cycles = int(board.clock.now() * CPU_HZ) & 0xFFFFFFFF
        return (float(cycles - (1 << 32) if cycles >= 1 << 31 else cycles),)

    methods.update({"register": t_register, "alarm": t_alarm, "start": t_start, "stop": t_stop,
                    "unregister": t_unregister, "interval": t_interval, "state": t_state})
    meta = new_class(methods, b"tmr.timer")
    return module_table(
        {"create": create, "now": now, "time": tmr_time, "delay": delay, "wdclr": wdclr,
         "softwd": softwd_, "ccount": ccount},
        {"ALARM_SINGLE": ALARM_SINGLE, "ALARM_AUTO": ALARM_AUTO, "ALARM_SEMI": ALARM_SEMI})
