"""The `encoder` module: base64 and hex encoding and decoding; counterpart of app/modules/encoder.c.
"""

from __future__ import annotations

import base64
import binascii
import re

from vm.nodemcu.modules.support import error, lua_function, module_table
from vm.runtime.table import Table
from vm.stdlib.auxlib import check_string

_BASE64 = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")


def open(board, lua) -> Table:  # noqa: A001
    @lua_function("toBase64")
    def to_base64(*args):
        return (base64.b64encode(check_string(args, 0)),)

    @lua_function("fromBase64")
    def from_base64(*args):
        data = check_string(args, 0)
        if len(data) % 4 or not _BASE64.match(data):
            error(b"Invalid base64 string")
        try:
            return (base64.b64decode(data, validate=True),)
        except binascii.Error:
            error(b"Invalid base64 string")

    @lua_function("toHex")
    def to_hex(*args):
        return (binascii.hexlify(check_string(args, 0)),)

    @lua_function("fromHex")
    def from_hex(*args):
        data = check_string(args, 0)
        try:
            return (binascii.unhexlify(data),)
        except (binascii.Error, ValueError):
            error(b"Invalid hex string")

    return module_table({"toBase64": to_base64, "fromBase64": from_base64, "toHex": to_hex,
                         "fromHex": from_hex})
