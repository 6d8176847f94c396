"""The two exception types the vm package raises, carrying the exact text Lua prints (design.md §5)."""

from __future__ import annotations


class LuaError(Exception):
    """A Lua error. `value` is the Lua error object (usually bytes: the message as Lua sees it)."""

    def __init__(self, value=b"", traceback: str | None = None):
        self.value = value
        self.traceback = traceback
        super().__init__(value)

    @property
    def message(self) -> str:
        """The error object as text, decoded the way a terminal would show Lua's bytes."""
        value = self.value
        if isinstance(value, bytes):
            return value.decode("latin-1")
        if isinstance(value, str):
            return value
        return repr(value)

    def __str__(self) -> str:
        return self.message


class LuaSyntaxError(LuaError):
    """A compile-time or load-time error (Lua's LUA_ERRSYNTAX): lexer, parser, limits, bad binary chunk."""
