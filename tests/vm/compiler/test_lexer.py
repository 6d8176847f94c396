"""Tokens, numerals, strings, comments and line counting of the Lua 5.1 lexer (vm/compiler/lexer.py)."""

from __future__ import annotations

import math

import pytest

from vm.compiler.lexer import (
    TK_EOS, TK_ERROR, TK_NAME, TK_NUMBER, TK_STRING, count_lines, str_to_number, token_text,
    token_to_str, tokenize,
)


def toks(src: bytes, integer: bool = False):
    kinds, values, lines, _ = tokenize(src, integer)
    return list(zip(kinds, values, lines))


def kinds_of(src: bytes):
    return tokenize(src)[0]


def test_names_keywords_and_operators():
    assert toks(b"local x_1 = y") == [
        ("local", None, 1), (TK_NAME, b"x_1", 1), ("=", None, 1), (TK_NAME, b"y", 1),
        (TK_EOS, None, 1)]
    assert kinds_of(b"a.b:c ... .. == ~= <= >= < > # % ^") == [
        TK_NAME, ".", TK_NAME, ":", TK_NAME, "...", "..", "==", "~=", "<=", ">=", "<", ">",
        "#", "%", "^", TK_EOS]
    assert kinds_of(b"endx end_ _end end") == [TK_NAME, TK_NAME, TK_NAME, "end", TK_EOS]


def test_every_reserved_word():
    words = (b"and break do else elseif end false for function if in local nil not or "
             b"repeat return then true until while")
    assert kinds_of(words)[:-1] == words.decode().split()


def test_numbers():
    src = b"3 3.0 3.1416 314.16e-2 0.31416E1 0xff 0x56 .5 5. 1e309 0x1p4 0XA"
    values = [v for k, v, _ in toks(src) if k == TK_NUMBER]
    assert values == [3.0, 3.0, 3.1416, 3.1416, 3.1416, 255.0, 86.0, 0.5, 5.0, math.inf, 16.0, 10.0]
    assert all(isinstance(v, float) for v in values)


def test_dots_and_numbers_next_to_each_other():
    assert kinds_of(b"a..5") == [TK_NAME, "..", TK_NUMBER, TK_EOS]
    assert kinds_of(b"a .. .5") == [TK_NAME, "..", TK_NUMBER, TK_EOS]
    assert kinds_of(b"1 .. 2") == [TK_NUMBER, "..", TK_NUMBER, TK_EOS]
    # a numeral swallows letters, digits, dots and underscores: validated afterwards
    kinds, values, _, _ = tokenize(b"x = 1..2")
    assert kinds[-1] == TK_ERROR and values[-1] == (1, b"malformed number", b"1..2")


@pytest.mark.parametrize("text, value", [
    (b"10", 10.0), (b"1e2", 100.0), (b"1E+2", 100.0), (b".5e1", 5.0), (b"0x10", 16.0),
    (b"0x.8", 0.5), (b"0x1P-1", 0.5), (b"1e400", math.inf), (b"007", 7.0),
    (b"0xffffffffffffffffff", float(0xffffffffffffffffff)),
    (b"3x", None), (b"1e", None), (b"0x", None), (b"1.2.3", None), (b"1_000", None),
    (b"0x1p", None), (b"0b101", None), (b"inf", None),
])
def test_str_to_number_float_build(text, value):
    assert str_to_number(text) == value


@pytest.mark.parametrize("text, value", [
    (b"10", 10), (b"2147483647", 2147483647), (b"2147483648", -2147483648),
    (b"3000000000", -1294967296), (b"4294967296", 0), (b"0x7fffffff", 2147483647),
    (b"0xffffffff", -1), (b"99999999999999999999999", -1), (b"0x" + b"f" * 40, -1),
    (b"1.5", None), (b"1.0", None), (b"1e3", None), (b".5", None), (b"0x", None),
    (b"12x5", None),
])
def test_str_to_number_integer_build(text, value):
    result = str_to_number(text, integer=True)
    assert result == value
    assert result is None or isinstance(result, int)


def test_strings_and_escapes():
    src = rb"""'a' "b" 'it''s' "q\"q" 'tab\tnl\n' '\65\066\0677' '\\\'\"\q\?' '\a\b\f\r\v'"""
    values = [v for k, v, _ in toks(src) if k == TK_STRING]
    assert values == [b"a", b"b", b"it", b"s", b'q"q', b"tab\tnl\n", b"AB\x437",
                      b"\\'\"q?", b"\a\b\f\r\v"]


def test_escaped_line_breaks_count_as_one_line_each():
    kinds, values, lines, _ = tokenize(b"'a\\\r\nb\\\n\rc\\\n\\\nd' x")
    assert values[0] == b"a\nb\nc\n\nd"
    assert lines[:2] == [5, 5]      # four line breaks: the string ends on line 5, next to x


def test_long_strings():
    src = b"[[\nfirst]] [==[a]]b]=]c]==] [[\r\nx\r\ny\n\rz]]"
    kinds, values, lines, _ = tokenize(src)
    assert kinds == [TK_STRING, TK_STRING, TK_STRING, TK_EOS]
    assert values[:3] == [b"first", b"a]]b]=]c", b"x\ny\nz"]
    assert lines[:3] == [2, 2, 5]


def test_comments():
    src = b"a --short\nb --[[long\ncomment]] c --[==[ ]] ]==] d --[ not long\ne"
    kinds, values, lines, _ = tokenize(src)
    assert [v for v in values if v] == [b"a", b"b", b"c", b"d", b"e"]
    assert lines == [1, 2, 3, 3, 4, 4]


@pytest.mark.parametrize("eol, count", [
    (b"\n", 1), (b"\r", 1), (b"\r\n", 1), (b"\n\r", 1), (b"\n\n", 2), (b"\r\r", 2),
    (b"\r\n\r\n", 2), (b"\n\r\n", 2), (b"\r\n\n\r", 2),
])
def test_line_breaks(eol, count):
    assert count_lines(eol) == count
    lines = tokenize(b"a" + eol + b"b")[2]
    assert lines[:2] == [1, 1 + count]


def test_nul_bytes_pass_for_strchr_sets():
    # luac's lexer uses strchr(), which also finds a NUL byte in its character sets
    assert kinds_of(b"a.\0b") == [TK_NAME, "..", TK_NAME, TK_EOS]
    assert kinds_of(b"f(.\0.)") == [TK_NAME, "(", "...", ")", TK_EOS]
    kinds, values, _, _ = tokenize(b"x = 1\0abc y")
    assert kinds == [TK_NAME, "=", TK_NUMBER, TK_NAME, TK_EOS]
    assert values[2] == 1.0


def test_error_token_ends_the_list():
    kinds, values, lines, _ = tokenize(b"x = 1\ny = 'abc\n")
    assert kinds == [TK_NAME, "=", TK_NUMBER, TK_NAME, "=", TK_ERROR]
    assert values[-1] == (2, b"unfinished string", b"'abc")


def test_token_text_for_messages():
    src = b"name 0x1F 'q' \"dq\" [==[long]==]"
    kinds, values, _, starts = tokenize(src)
    texts = [token_text(src, k, v, starts.get(i)) for i, (k, v) in enumerate(zip(kinds, values))]
    assert texts == [b"name", b"0x1F", b"'q'", b'"dq"', b"[==[long]==]", b""]


def test_token_to_str():
    assert token_to_str("end") == b"end"
    assert token_to_str("..") == b".."
    assert token_to_str("=") == b"="
    assert token_to_str("\x01") == b"char(1)"
    assert token_to_str("\x7f") == b"char(127)"
    assert token_to_str("\xe9") == b"\xe9"
    assert token_to_str(TK_EOS) == b"<eof>"
