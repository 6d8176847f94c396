"""The string library and the string metatable (with NodeMCU's `fmt % args`) (counterpart of lstrlib.c)."""

from __future__ import annotations

import math

from vm.errors import LuaError
from vm.runtime.calls import ccall
from vm.runtime.operations import index as lua_index
from vm.runtime.table import Table
from vm.runtime.values import is_function, number_to_bytes, type_name
from vm.stdlib.auxlib import (
    arg, arg_error, check_int, check_number, check_string, error, lua_function, new_library,
    opt_int, to_integer, type_error,
)
from vm.stdlib.lpattern import compile_pattern, has_specials

MAX_STRING = 1 << 31


def _posrelat(pos: int, n: int) -> int:
    if pos < 0:
        pos += n + 1
    return pos if pos >= 0 else 0


@lua_function("len")
def str_len(*args):
    return (float(len(check_string(args, 0))),)


@lua_function("sub")
def str_sub(*args):
    s = check_string(args, 0)
    n = len(s)
    i = _posrelat(check_int(args, 1), n)
    j = _posrelat(opt_int(args, 2, -1), n)
    if i < 1:
        i = 1
    if j > n:
        j = n
    return (s[i - 1:j] if i <= j else b"",)


@lua_function("upper")
def str_upper(*args):
    return (check_string(args, 0).upper(),)


@lua_function("lower")
def str_lower(*args):
    return (check_string(args, 0).lower(),)


@lua_function("reverse")
def str_reverse(*args):
    return (check_string(args, 0)[::-1],)


@lua_function("rep")
def str_rep(*args):
    s = check_string(args, 0)
    n = check_int(args, 1)
    if n <= 0 or not s:
        return (b"",)
    if len(s) * n >= MAX_STRING:
        raise LuaError(b"not enough memory")
    return (s * n,)


@lua_function("byte")
def str_byte(*args):
    s = check_string(args, 0)
    n = len(s)
    i = _posrelat(opt_int(args, 1, 1), n)
    j = _posrelat(opt_int(args, 2, i), n)
    if i <= 0:
        i = 1
    if j > n:
        j = n
    if i > j:
        return ()
    if j - i >= 8000:
        error(b"string slice too long")
    return tuple(float(c) for c in s[i - 1:j])


@lua_function("char")
def str_char(*args):
    out = bytearray()
    for k in range(len(args)):
        c = check_int(args, k)
        if not 0 <= c <= 255:
            arg_error(k + 1, b"invalid value")
        out.append(c)
    return (bytes(out),)


@lua_function("dump")
def str_dump(*args):
    f = arg(args, 0)
    if not is_function(f):
        type_error(args, 0, b"function")
    proto = _proto_of(f)
    if proto is None:
        error(b"unable to dump given function")
    import vm  # noqa: PLC0415
    return (vm.dump(proto),)


def _proto_of(f):
    from vm.runtime.debuginfo import GEN_GLOBALS, proto_info_of_code  # noqa: PLC0415
    if getattr(f, "__globals__", None) is not GEN_GLOBALS:
        return None
    info = proto_info_of_code(f.__code__)
    return info.proto if info is not None else None


# ----- find, match, gmatch, gsub --------------------------------------------------------------

def _capture_values(s, start, end, caps, whole_if_none=True):
    if not caps and whole_if_none:
        return (s[start:end],)
    return tuple(float(c) if type(c) is int else c for c in caps)


def _find_aux(args, find: bool):
    s = check_string(args, 0)
    p = check_string(args, 1)
    n = len(s)
    init = _posrelat(opt_int(args, 2, 1), n) - 1
    if init < 0:
        init = 0
    elif init > n:
        init = n
    if find and ((len(args) > 3 and args[3] is not None and args[3] is not False) or not has_specials(p)):
        pos = s.find(p, init)
        if pos < 0:
            return (None,)
        return (float(pos + 1), float(pos + len(p)))
    anchor = p[:1] == b"^"
    pat = compile_pattern(p[1:] if anchor else p)
    if anchor:
        m = pat.match(s, init)
        if m is None:
            return (None,)
        start, (end, caps) = init, m
    else:
        m = pat.search(s, init)
        if m is None:
            return (None,)
        start, end, caps = m
    if find:
        return (float(start + 1), float(end)) + _capture_values(s, start, end, caps, False)
    return _capture_values(s, start, end, caps)


@lua_function("find")
def str_find(*args):
    return _find_aux(args, True)


@lua_function("match")
def str_match(*args):
    return _find_aux(args, False)


@lua_function("gmatch")
def str_gmatch(*args):
    s = check_string(args, 0)
    p = check_string(args, 1)
    pat = compile_pattern(p)
    position = [0]

    def gmatch_iterator(*_):
        pos = position[0]
        if pos > len(s):
            return ()
        m = pat.search(s, pos)
        if m is None:
            position[0] = len(s) + 1
            return ()
        start, end, caps = m
        position[0] = end + 1 if end == start else end
        return _capture_values(s, start, end, caps)
    from vm.runtime.debuginfo import register_builtin  # noqa: PLC0415
    register_builtin(gmatch_iterator, "gmatch_iterator")
    return (gmatch_iterator,)


def _expand_replacement(repl: bytes, s, start, end, caps):
    out = []
    i = 0
    n = len(repl)
    while i < n:
        c = repl[i]
        if c != 37:
            j = repl.find(b"%", i)
            if j < 0:
                j = n
            out.append(repl[i:j])
            i = j
            continue
        i += 1
        d = repl[i] if i < n else 0
        if not 48 <= d <= 57:
            out.append(bytes([d]))
        elif d == 48:
            out.append(s[start:end])
        else:
            k = d - 49
            if k >= len(caps):
                if k == 0 and not caps:
                    out.append(s[start:end])
                else:
                    error(b"invalid capture index")
            else:
                v = caps[k]
                out.append(number_to_bytes(float(v)) if type(v) is int else v)
        i += 1
    return b"".join(out)


@lua_function("gsub")
def str_gsub(*args):
    s = check_string(args, 0)
    p = check_string(args, 1)
    repl = arg(args, 2)
    tr = type(repl)
    if tr is float:
        repl = number_to_bytes(repl)
        tr = bytes
    if not (tr is bytes or tr is Table or is_function(repl)):
        arg_error(3, b"string/function/table expected")
    max_n = opt_int(args, 3, len(s) + 1)
    anchor = p[:1] == b"^"
    pat = compile_pattern(p[1:] if anchor else p)
    out = []
    src = 0
    n = 0
    ls = len(s)
    simple_repl = tr is bytes and b"%" not in repl
    while n < max_n:
        if anchor:
            m = pat.match(s, src)
            found = None if m is None else (src, m[0], m[1])
        else:
            found = pat.search(s, src)
        if found is None:
            break
        start, end, caps = found
        out.append(s[src:start])
        n += 1
        whole = s[start:end]
        if simple_repl:
            out.append(repl)
        elif tr is bytes:
            out.append(_expand_replacement(repl, s, start, end, caps))
        else:
            if tr is Table:
                key = caps[0] if caps else whole
                if type(key) is int:
                    key = float(key)
                v = lua_index(repl, key, None)
            else:
                r = ccall(repl, *_capture_values(s, start, end, caps))
                v = r[0] if r else None
            if v is None or v is False:
                out.append(whole)
            elif type(v) is bytes:
                out.append(v)
            elif type(v) is float:
                out.append(number_to_bytes(v))
            else:
                error(b"invalid replacement value (a %s)" % type_name(v))
        if end > start:
            src = end
        elif start < ls:
            out.append(s[start:start + 1])
            src = start + 1
        else:
            src = ls + 1
            break
        if anchor:
            break
    if src <= ls:
        out.append(s[src:])
    return (b"".join(out), float(n))


# ----- format ---------------------------------------------------------------------------------

def _quoted(s: bytes) -> bytes:
    out = [b'"']
    for c in s:
        if c in (34, 92, 10):
            out.append(b"\\" + bytes([c]))
        elif c == 13:
            out.append(b"\\r")
        elif c == 0:
            out.append(b"\\000")
        else:
            out.append(bytes([c]))
    out.append(b'"')
    return b"".join(out)


def _format_nonfinite(spec: bytes, conv: int, x: float) -> bytes:
    if x != x:
        text = b"-nan" if math.copysign(1.0, x) < 0 else b"nan"
    else:
        text = b"-inf" if x < 0 else b"inf"
    if text[:1] != b"-":
        if b"+" in spec:
            text = b"+" + text
        elif b" " in spec:
            text = b" " + text
    if conv in b"EG":
        text = text.upper()
    width = 0
    digits = spec.lstrip(b"-+ #0").split(b".")[0]
    if digits:
        width = int(digits)
    if b"-" in spec:
        return text.ljust(width)
    return text.rjust(width)


def format_string(args) -> bytes:
    fmt = check_string(args, 0)
    out = []
    argi = 0
    i = 0
    n = len(fmt)
    while i < n:
        c = fmt[i]
        if c != 37:
            j = fmt.find(b"%", i)
            if j < 0:
                j = n
            out.append(fmt[i:j])
            i = j
            continue
        i += 1
        if i < n and fmt[i] == 37:
            out.append(b"%")
            i += 1
            continue
        start = i
        while i < n and fmt[i] in b"-+ #0":
            i += 1
        if i - start >= 6:
            error(b"invalid format (repeated flags)")
        if i < n and 48 <= fmt[i] <= 57:
            i += 1
        if i < n and 48 <= fmt[i] <= 57:
            i += 1
        if i < n and fmt[i] == 46:
            i += 1
            if i < n and 48 <= fmt[i] <= 57:
                i += 1
            if i < n and 48 <= fmt[i] <= 57:
                i += 1
        if i < n and 48 <= fmt[i] <= 57:
            error(b"invalid format (width or precision too long)")
        spec = fmt[start:i]
        conv = fmt[i] if i < n else 0
        i += 1
        argi += 1
        if conv == 99:  # c
            out.append((b"%" + spec + b"c") % (to_integer(check_number(args, argi)) & 0xFF))
        elif conv in (100, 105):  # d i
            v = to_integer(check_number(args, argi))
            out.append((b"%" + spec + b"d") % v)
        elif conv in (111, 117, 120, 88):  # o u x X
            v = to_integer(check_number(args, argi))
            if v < 0:
                v += 1 << 64
            if conv == 111 and b"#" in spec:
                body = (b"%" + spec.replace(b"#", b"") + b"o") % v
                out.append(body if body.lstrip().startswith(b"0") else _alt_octal(spec, v))
            else:
                out.append((b"%" + spec + (b"d" if conv == 117 else bytes([conv]))) % v)
        elif conv in (101, 69, 102, 103, 71):  # e E f g G
            x = check_number(args, argi)
            if math.isfinite(x):
                out.append((b"%" + spec + bytes([conv])) % x)
            else:
                out.append(_format_nonfinite(spec, conv, x))
        elif conv == 113:  # q
            out.append(_quoted(check_string(args, argi)))
        elif conv == 115:  # s
            s = check_string(args, argi)
            if b"." not in spec and len(s) >= 100:
                out.append(s)
            else:
                s = s.split(b"\0", 1)[0]
                out.append((b"%" + spec + b"s") % s)
        else:
            error(b"invalid option '%%%s' to 'format'" % bytes([conv]) if conv else
                  b"invalid option '%' to 'format'")
    return b"".join(out)


def _alt_octal(spec: bytes, v: int) -> bytes:
    body = b"0" + b"%o" % v if v else b"0"
    width = spec.lstrip(b"-+ #0").split(b".")[0]
    w = int(width) if width else 0
    return body.ljust(w) if b"-" in spec else body.rjust(w)


@lua_function("format")
def str_format(*args):
    return (format_string(args),)


@lua_function("__mod")
def string_mod(*args):
    """NodeMCU: fmt % value or fmt % {values...} is string.format."""
    fmt, v = arg(args, 0), arg(args, 1)
    if type(fmt) is not bytes:
        from vm.runtime.debuginfo import type_error as vm_type_error  # noqa: PLC0415
        vm_type_error(fmt, "perform arithmetic on")
    if type(v) is Table:
        values = v.array_values(int(v.length()))
        return (format_string((fmt, *values)),)
    return (format_string((fmt, v)),)


def open(state, nodemcu: bool = False) -> None:  # noqa: A001
    lib = new_library(state, b"string", {
        "byte": str_byte, "char": str_char, "dump": str_dump, "find": str_find,
        "format": str_format, "gfind": str_gmatch, "gmatch": str_gmatch, "gsub": str_gsub,
        "len": str_len, "lower": str_lower, "match": str_match, "rep": str_rep,
        "reverse": str_reverse, "sub": str_sub, "upper": str_upper,
    })
    meta = Table()
    meta.rawset(b"__index", lib)
    if nodemcu:
        meta.rawset(b"__mod", string_mod)
    state.type_meta[b"string"] = meta


_ = check_number
