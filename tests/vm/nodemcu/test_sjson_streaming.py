"""The sjson module's streaming API on the board: encoder objects and :read, decoder objects with :write/:result, and the one-shot encode/decode built on them."""

from __future__ import annotations

import re

import pytest

from tests.vm.nodemcu.board_helpers import booted_board, run


@pytest.fixture
def board():
    b = booted_board()
    # helpers kept in RAM for the tests: deep equality and streaming loops
    run(b, "function deq(a, b) if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end "
           "for k, v in pairs(a) do if not deq(v, b[k]) then return false end end "
           "for k in pairs(b) do if a[k] == nil then return false end end return true end")
    run(b, "function pieces(t, n, o) local e, p = sjson.encoder(t, o), {} "
           "while true do local s = e:read(n) if not s then break end p[#p + 1] = s end return p end")
    run(b, "function feed(s, n) local d, r = sjson.decoder() for i = 1, #s, n do "
           "r = d:write(s:sub(i, i + n - 1)) end return r, d end")
    yield b
    b.close()


def lua(board, line: str) -> bytes:
    """Run one line and return the reply without the trailing prompt. `stmts =exprs` (no space
    after the `=`) is shorthand for `stmts print(exprs)`."""
    m = re.search(r" =(?=[^\s=])", line)
    if m and not line.startswith("="):
        line = line[:m.start()] + " print(" + line[m.end():] + ")"
    reply = run(board, line)
    assert reply.endswith(b"\r\n> "), reply
    return reply[:-4]


TABLES = [
    "{1, 2, 'x'}",
    "{a = {b = {1, true, false}}, c = 'q\"\\n\\t\\1'}",
    "{}",
    "{[1] = 1, [3] = 3}",
    "{0.1, -2.5e-7, 1e300, 123456789}",
    "{list = {{}, {{}}, {x = {y = 'z'}}}, s = string.rep('abc', 400)}",
]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("size", [1, 2, 7, 1024])
def test_encoder_pieces_concatenate_to_encode(board, table, size):
    run(board, f"t = {table}")
    assert lua(board, f"=table.concat(pieces(t, {size})) == sjson.encode(t)") == b"true"
    assert lua(board, f"p = pieces(t, {size}) ok = true for i = 1, #p - 1 do ok = ok and #p[i] == {size} end "
                      f"print(ok, #p[#p] <= {size}, #p[#p] > 0)") == b"true\ttrue\ttrue"


def test_encoder_read_sizes(board):
    run(board, "t = {s = string.rep('y', 2000)}")
    # default piece size 1024 (the last read returns no value); sizes below 1 read one byte;
    # a non-number size is ignored
    assert lua(board, "e = sjson.encoder(t) =#e:read(), #e:read(), e:read()") == b"1024\t984"
    assert lua(board, "e = sjson.encoder(t) =e:read(0), e:read(-5), e:read(2.9), #e:read('3')") == \
        b'{\t"\ts"\t1024'
    # once done, read returns no value at all
    assert lua(board, "e = sjson.encoder({1}) e:read() =select('#', e:read())") == b"0"
    assert lua(board, "e = sjson.encoder({1}) =e:read(3), select('#', e:read(3))") == b"[1]\t0"


def test_encode_output_rules(board):
    assert lua(board, "=sjson.encode({0.1, -0.0, 1/0, -1/0, 2^53})") == \
        b"[0.1000000000000000056,-0,null,null,9007199254740992]"
    assert lua(board, "=sjson.encode({'a\\\\b/\\0\\127'})") == b'["a\\b/\\u0000\x7f"]'
    assert lua(board, "=sjson.encode({[1] = 'a', [3] = 'c'})") == b'["a",null,"c"]'
    assert lua(board, "=sjson.encode({[1.5] = 'a'})") == b"[null]"
    assert lua(board, "=sjson.encode({[true] = 1})") == b"{true:1}"
    assert lua(board, "=sjson.encode({[0] = 'z'})") == b'{"0":"z"}'
    assert lua(board, "=sjson.encode({a = function() return function() return {5} end end})") == b'{"a":[5]}'


def test_encoder_calls_functions_at_first_read(board):
    run(board, "n = 0 t = {function() n = n + 1 return 'v' end, 2}")
    assert lua(board, "e = sjson.encoder(t) =n") == b"0"
    assert lua(board, "=e:read(1), n") == b"[\t1"
    assert lua(board, "=e:read(), n") == b'"v",2]\t1'


def test_encoder_size_of_top_table_fixed_at_creation(board):
    assert lua(board, "t = {} e = sjson.encoder(t) t.a = 1 =e:read()") == b"[]"


def test_encoder_errors(board):
    assert lua(board, "sjson.encoder('x')").startswith(
        b"Lua error: \tstdin:1: bad argument #1 to 'encoder' (table expected, got string)")
    assert lua(board, "sjson.encode()").startswith(
        b"Lua error: \tstdin:1: bad argument #1 to 'encode' (table expected, got no value)")
    assert lua(board, "e = sjson.encoder({}) e.read(5)").startswith(
        b"Lua error: \tstdin:1: bad argument #1 to 'read' (sjson.encoder expected, got number)")
    assert lua(board, "=pcall(sjson.encode, {coroutine.create(function() end)})") == \
        b"false\tCannot encode type 8"
    assert lua(board, "=pcall(sjson.encode, {newproxy()})") == b"false\tCannot encode type 7"
    assert lua(board, "=pcall(sjson.encode, {[{}] = 1})") == b"false\tCannot encode type 5"
    # a function is called (up to ten times while it returns functions); the error comes from
    # read, not from creating the encoder
    assert lua(board, "n = 0 f = function() n = n + 1 return f end e = sjson.encoder({1, f}) =n, pcall(e.read, e)") \
        == b"0\tfalse\tCannot encode type 6"
    assert lua(board, "=n") == b"10"


def test_encoder_depth_is_always_twenty(board):
    run(board, "function nest(n) local t = {} for i = 2, n do t = {t} end return t end")
    assert lua(board, "=sjson.encode(nest(20))") == b"[" * 20 + b"]" * 20
    assert lua(board, "=pcall(sjson.encode, nest(21))") == b"false\tencoder stack overflow"
    # the documented depth option has no effect in this release
    assert lua(board, "=pcall(sjson.encode, nest(21), {depth = 100})") == b"false\tencoder stack overflow"
    assert lua(board, "=pcall(sjson.encode, nest(20), {depth = 4})") == b"true\t" + b"[" * 20 + b"]" * 20


def test_encoder_resumes_at_failing_value(board):
    run(board, "calls = 0 f = function() calls = calls + 1 if calls == 1 then error('boom') end return 3 end")
    assert lua(board, "e = sjson.encoder({1, 2, f}) =pcall(e.read, e)") == b"false\tstdin:1: boom"
    # the text before the failure is lost; the walk goes on from the failing value
    assert lua(board, "=e:read(), calls") == b"3]\t2"


def test_encoder_null_option(board):
    assert lua(board, "=sjson.encode({'x', 'y'}, {null = 'x'})") == b'[null,"y"]'
    assert lua(board, "=sjson.encode({x = 1}, {null = 'x'})") == b"{null:1}"
    assert lua(board, "=sjson.encode({5}, {null = 5})") == b"[5]"
    assert lua(board, "=sjson.encode({sjson.decode('[null]')[1]})") == b"[null]"


JSON = [
    '{"a":[1,2,{"b":null}],"c":"x\\"y\\\\z\\u00e9\\ud800","d":-0.5e+2,"e":true,"f":false}',
    '[1, 2 , [ ] , { } , "s" ,-0, 10.25]',
    '{"k1":{"k2":{"k3":[[["deep"]]]}},"n":123456789012}',
    '  [ "leading and trailing whitespace" ]  ',
]


@pytest.mark.parametrize("text", JSON)
def test_decoder_byte_by_byte_and_chunks_match_decode(board, text):
    run(board, "s = " + repr(text))
    assert lua(board, "=s") == text.encode()
    for n in (1, 2, 3, 5, 1000):
        assert lua(board, f"r, d = feed(s, {n}) =deq(r, sjson.decode(s)), r == d:result()") == b"true\ttrue"


def test_decoder_values(board):
    assert lua(board, "t = sjson.decode('{\"a\":\"\\\\u00e9\\\\n\",\"b\":[1e2,-3,0.5]}') =t.a, t.b[1], t.b[2], t.b[3]") \
        == b"\xc3\xa9\r\n\t100\t-3\t0.5"
    assert lua(board, "=sjson.decode('[1,\"a\" \"b\"]')[3]") == b"b"


def test_decoder_result_before_and_after_completion(board):
    run(board, "d = sjson.decoder()")
    assert lua(board, "=d:result()").startswith(b"Lua error: \tstdin:1: decode not complete")
    assert lua(board, "=select('#', d:write('{\"a\": [1, '))") == b"0"
    assert lua(board, "=pcall(d.result, d)") == b"false\tdecode not complete"
    assert lua(board, "r = d:write('2]}') =r.a[2], r == d:result(), d:result() == d:result()") == \
        b"2\ttrue\ttrue"
    # after completion, writes parse nothing more and return the same value
    assert lua(board, "=d:write('garbage') == r, d:write('[3]') == r") == b"true\ttrue"


def test_decoder_top_level_scalars_never_complete(board):
    assert lua(board, "=pcall(sjson.decode, 'null')") == b"false\tIncomplete JSON object passed to sjson.decode"
    assert lua(board, "=pcall(sjson.decode, '5 ')") == b"false\tIncomplete JSON object passed to sjson.decode"
    assert lua(board, "=pcall(sjson.decode, '\"s\"')") == b"false\tJSON parse error: STRING_OUTSIDE_CONTAINER"


@pytest.mark.parametrize("text, reason", [
    ("[1,]", "TRAILING_COMMA"),
    ("[1 2]", "CANT_INSERT"),
    ('{"a" 1}', "CANT_INSERT"),
    ('{"a" "b"}', "MISSING_TOKEN"),
    ("[1,,2]", "STRAY_TOKEN"),
    ('{"a":1 "b":2}', "STRAY_TOKEN"),
    ("{1:2}", "HKEY_EXPECTED"),
    ("[1}", "BRACKET_MISMATCH"),
    ("[01]", "INVALID_NUMBER"),
    ("[1.]", "INVALID_NUMBER"),
    ("[-]", "INVALID_NUMBER"),
    ("[tru]", "SPECIAL_INCOMPLETE"),
    ("[trUe]", "SPECIAL_EXPECTED"),
    ("[x]", "SPECIAL_EXPECTED"),
    ('["\\x"]', "ESCAPE_INVALID"),
    ('["a\nb"]', "WEIRD_WHITESPACE"),
    ("[[]{}]", "CANT_INSERT"),
    ("[" * 20 + "]" * 20, "LEVELS_EXCEEDED"),
])
def test_decoder_errors(board, text, reason):
    run(board, "s = " + repr(text))
    expected = b"false\tJSON parse error: " + reason.encode()
    assert lua(board, "=pcall(sjson.decode, s)") == expected
    # byte by byte the same error comes out, and the decoder stays broken afterwards
    assert lua(board, "d = sjson.decoder() ok, e = true for i = 1, #s do ok, e = pcall(d.write, d, s:sub(i, i)) "
                      "if not ok then break end end =ok, e") == expected
    assert lua(board, "=pcall(d.write, d, '[]')") == b"false\tJSON parse error: previous call"


def test_decoder_depth(board):
    assert lua(board, "=#sjson.decode(string.rep('[', 19) .. string.rep(']', 19))") == b"1"
    assert lua(board, "=pcall(sjson.decode, string.rep('[', 19) .. '1' .. string.rep(']', 19))") == \
        b"false\tJSON parse error: LEVELS_EXCEEDED"


def test_decoder_argument_checks(board):
    assert lua(board, "d = sjson.decoder() d:write()").startswith(
        b"Lua error: \tstdin:1: bad argument #1 to 'write' (string expected, got no value)")
    assert lua(board, "d.result({})").startswith(
        b"Lua error: \tstdin:1: bad argument #1 to 'result' (sjson.decoder expected, got table)")
    assert lua(board, "sjson.decode()").startswith(
        b"Lua error: \tstdin:1: bad argument #1 to 'decode' (string expected, got no value)")
    assert lua(board, "=select('#', sjson.decoder():write(12))") == b"0"


def test_decoder_null_handling(board):
    assert lua(board, "=type(sjson.decode('[null]')[1]), sjson.decode('[null]')[1] == sjson.decoder():write('[null]')[1]") \
        == b"lightfunction\ttrue"
    assert lua(board, "=sjson.decode('[null, 2]', {null = 'N'})[1]") == b"N"
    assert lua(board, "d = sjson.decoder({null = '\\0'}) =d:write('{\"a\":null}').a == '\\0'") == b"true"
    # an options table without null: JSON null becomes nil (a hole in a list)
    assert lua(board, "t = sjson.decode('[null, 2]', {}) =t[1], t[2]") == b"nil\t2"
    # encoding back with the same null string restores null
    assert lua(board, "=sjson.encode(sjson.decode('[null,1]', {null = 'N'}), {null = 'N'})") == b"[null,1]"


def test_decoder_metatable_option(board):
    run(board, "log = {} mt = {__newindex = function(t, k, v) log[#log + 1] = tostring(k) .. '=' .. type(v) "
               "rawset(t, k, v) end}")
    assert lua(board, "r = sjson.decoder({metatable = mt}):write('[1, 2, {\"foo\":\"bar\"}]') "
                      "=table.concat(log, ' '), getmetatable(r) == mt, getmetatable(r[3]) == mt, r[3].foo") == \
        b"1=number 2=number 3=table foo=string\ttrue\ttrue\tbar"


def test_decoder_checkpath(board):
    run(board, "paths = {} mt = {checkpath = function(t, p) local c = {} for i, k in ipairs(p) do "
               "c[i] = tostring(k) end paths[#paths + 1] = '/' .. table.concat(c, '/') "
               "return p[1] ~= 'skip' end}")
    assert lua(board, "r = sjson.decode('{\"foo\": [1, 2, []], \"skip\": {\"x\": 1}}', {metatable = mt}) "
                      "=table.concat(paths, ' '), #r.foo, r.skip") == b"/ /foo /foo/3 /skip\t3\tnil"
    # checkpath is only looked for when the decoder is made
    assert lua(board, "paths = {} m2 = {} d = sjson.decoder({metatable = m2}) m2.checkpath = mt.checkpath "
                      "d:write('[[1]]') =#paths") == b"0"
