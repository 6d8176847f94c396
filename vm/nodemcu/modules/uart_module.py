"""The `uart` module: setup with the echo flag and baud change, getconfig, raw write, on("data"), alt, fifodepth; counterpart of app/modules/uart.c.
"""

from __future__ import annotations

from vm.nodemcu.modules.support import arg_error, error, lua_function, module_table
from vm.nodemcu.uart import PARITY_EVEN, PARITY_NONE, PARITY_ODD, STOPBITS_1, STOPBITS_1_5, STOPBITS_2
from vm.runtime.table import Table
from vm.runtime.values import is_function, number_to_bytes
from vm.stdlib.auxlib import check_int, check_string, opt_int

NUM_UART = 2


def open(board, lua) -> Table:  # noqa: A001
    uart = board.uart
    driver = board.driver

    def check_id(args, i: int = 0) -> int:
        uid = check_int(args, i)
        if not 0 <= uid < NUM_UART:
            error(b"uart %d does not exist" % uid)
        return uid

    @lua_function("setup")
    def setup(*args):
        uid = check_id(args)
        baud = check_int(args, 1)
        databits = check_int(args, 2)
        parity = check_int(args, 3)
        stopbits = check_int(args, 4)
        if uid == 0 and len(args) > 5 and isinstance(args[5], float):
            driver.set_echo(int(args[5]) != 0)
        if uid != 0:
            return (float(baud),)
        return (float(uart.setup(baud, databits, parity, stopbits)),)

    @lua_function("getconfig")
    def getconfig(*args):
        uid = check_id(args)
        if uid != 0:
            return (115200.0, 8.0, 0.0, 1.0)
        return tuple(float(v) for v in uart.config.getconfig())

    @lua_function("write")
    def write(*args):
        uid = check_id(args)
        for i in range(1, len(args)):
            value = args[i]
            if isinstance(value, float):
                n = int(value)
                if n < 0 or n > 255:
                    error(b"invalid number")
                data = bytes((n,))
            else:
                data = check_string(args, i)
            if uid == 0:
                uart.raw(data)
        return ()

    def data_callback(fn):
        def deliver(chunk: bytes) -> None:
            board.call_callback(fn, chunk)
        return deliver

    @lua_function("on")
    def on(*args):
        method = check_string(args, 0)
        if method != b"data":
            arg_error(1, b"method not supported")
        if len(args) < 2 or args[1] is None and len(args) < 3:
            driver.uart_on(None)
            return ()
        index = 1
        count = end = None
        first = args[1]
        if isinstance(first, float):
            count = int(first)
            if not 0 <= count < 256:
                arg_error(2, b"wrong arg range")
            index = 2
        elif isinstance(first, bytes):
            if len(first) != 1:
                error(b"wrong arg range")
            end = first
            index = 2
        fn = args[index] if index < len(args) else None
        run_input = True
        if index + 1 < len(args) and isinstance(args[index + 1], float) and int(args[index + 1]) == 0:
            run_input = False
        if not is_function(fn):
            driver.uart_on(None)
            return ()
        driver.uart_on(data_callback(fn), count=count, end=end, run_input=run_input)
        return ()

    @lua_function("alt")
    def alt(*args):
        check_int(args, 0)
        return ()

    @lua_function("fifodepth")
    def fifodepth(*args):
        uid = opt_int(args, 0, 0)
        if uid not in (0, 1):
            error(b"Bad UART id; must be 0 or 1")
        direction = opt_int(args, 1, 0)
        if direction not in (0, 1):
            error(b"Bad direction; must be DIR_RX or DIR_TX")
        return (0.0,)

    _ = number_to_bytes
    return module_table(
        {"setup": setup, "getconfig": getconfig, "write": write, "on": on, "alt": alt,
         "fifodepth": fifodepth},
        {"STOPBITS_1": STOPBITS_1, "STOPBITS_2": STOPBITS_2, "STOPBITS_1_5": STOPBITS_1_5,
         "PARITY_NONE": PARITY_NONE, "PARITY_EVEN": PARITY_EVEN, "PARITY_ODD": PARITY_ODD,
         "DIR_RX": 0, "DIR_TX": 1})
