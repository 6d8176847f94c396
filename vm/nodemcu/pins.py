"""The board's GPIO pins as the host sees them: output latches, externally driven input levels, interrupt edges; counterpart of the pin part of app/platform/platform.c (with app/driver/pin_map.c's index table).

Pins are NodeMCU index numbers 0..12 (spec §4.5).  What the host drives (`drive(pin, level)`)
survives restarts, as wiring does; modes and output latches are reset at every boot.  The
`gpio` binding registers `on_edge(pin, level)` to learn about input changes.
"""

from __future__ import annotations

PIN_COUNT = 13
GPIO_NUMBER = (16, 5, 4, 0, 2, 14, 12, 13, 15, 3, 1, 9, 10)   # index -> ESP8266 GPIO
INPUT, OUTPUT, INT, OPENDRAIN = 0, 1, 2, 3
FLOAT, PULLUP = 0, 1


class Pins:
    def __init__(self, board):
        self.board = board
        self.driven: dict[int, int] = {}          # host-driven input levels (the wiring)
        self.on_edge = None
        self.listeners: list = []                 # host callbacks fn(pin, level) on output changes
        self.reset()

    def reset(self) -> None:
        # lists are reset in place: the gpio binding keeps references to them
        for name, value in (("mode", INPUT), ("pull", FLOAT), ("latch", 0), ("toggles", 0)):
            if hasattr(self, name):
                getattr(self, name)[:] = [value] * PIN_COUNT
            else:
                setattr(self, name, [value] * PIN_COUNT)
        self.on_edge = None

    def level(self, pin: int) -> int:
        """The level on the pin: the latch of an output, else what the host drives, else the
        pull-up (1) or, floating, 0 [U]."""
        if self.mode[pin] == OUTPUT:
            return self.latch[pin]
        if pin in self.driven:
            level = self.driven[pin]
            if self.mode[pin] == OPENDRAIN:
                return level & self.latch[pin]
            return level
        if self.mode[pin] == OPENDRAIN:
            return self.latch[pin]
        return 1 if self.pull[pin] == PULLUP else 0

    def write(self, pin: int, level: int) -> None:
        if self.latch[pin] != level:
            self.latch[pin] = level
            self.toggles[pin] += 1
            for listener in self.listeners:
                listener(pin, level)

    def drive(self, pin: int, level: int | None) -> None:
        """Host side: drive an input (None releases it).  Thread-safe: applied between tasks."""
        def apply():
            before = self.level(pin)
            if level is None:
                self.driven.pop(pin, None)
            else:
                self.driven[pin] = 1 if level else 0
            after = self.level(pin)
            if after != before and self.on_edge is not None:
                self.on_edge(pin, after)
        self.board.host_call(apply)
