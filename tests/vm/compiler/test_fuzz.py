"""Fuzzing the compiler: any bytes give a Proto or a luac-style LuaSyntaxError, never another exception, and agree with Lua 5.1.5 (lupa) on verdict and message."""

from __future__ import annotations

import os
import re
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vm
from tests.oracles import golden_sources, lupa_lua51, real_world_lua_files
from tests.vm.compiler.support import lupa_oracle, needs_compiler

pytestmark = [needs_compiler]

CHUNKNAME = b"=fuzz"
MESSAGE = re.compile(r"^.+:\d+: .+", re.DOTALL)
# Raise ESPCONSOLE_FUZZ_EXAMPLES for a long hunt; CI runs the default (about two seconds in all).
FUZZ_EXAMPLES = int(os.environ.get("ESPCONSOLE_FUZZ_EXAMPLES", "500"))
FUZZ_SETTINGS = settings(max_examples=FUZZ_EXAMPLES, deadline=None,
                         suppress_health_check=list(HealthCheck))

TOKENS = (
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in",
    "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    "+", "-", "*", "/", "%", "^", "#", "==", "~=", "<=", ">=", "<", ">", "=", "(", ")", "{",
    "}", "[", "]", ";", ":", ",", ".", "..", "...", "x", "y", "f", "t", "1", "0x1F", "1e5",
    "3.5", "'s'", '"q"', "[[long]]", "--c\n", "--[[c]]", "\n", "\n\n", "@", "$", "\\", "[=",
    '"\\300"', "'unfinished", "[[", "--[[", "0x", "1e", "\0", "\x80", "\r", "\r\n", "\n\r",
    "0x1p4", "'\\z'", "'\\x41'", "[==[", "]==]", "--[==[", "'a\\\r\nb'", "::", "//", "goto",
)


@lru_cache(maxsize=None)
def seed_sources() -> tuple[bytes, ...]:
    """Real Lua files to mutate: the corpus when installed, plus the goldens."""
    paths = list(real_world_lua_files()) + golden_sources()
    return tuple(p.read_bytes() for p in paths)


def compile_like_loadstring(data: bytes):
    """What Lua's loadstring does with `data`: binary chunks are undumped, anything else compiled."""
    if data[:1] == b"\x1b":
        return vm.undump(data, CHUNKNAME)
    return vm.compile(data, CHUNKNAME)


def check(data: bytes) -> None:
    try:
        proto = compile_like_loadstring(data)
    except vm.LuaSyntaxError as exc:
        mine = (False, exc.message.encode("latin-1"))
        if data[:1] != b"\x1b":
            assert MESSAGE.match(exc.message), exc.message
    else:
        assert isinstance(proto, vm.Proto)
        mine = (True, vm.dump(proto))
    if lupa_lua51() is not None:
        assert mine == lupa_oracle().compile(data, CHUNKNAME)


@FUZZ_SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(data):
    check(data)


@FUZZ_SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=60), st.sampled_from([" ", "", "\n"]))
def test_token_soup(tokens, separator):
    check(separator.join(tokens).encode("latin-1"))


@st.composite
def mutated_sources(draw) -> bytes:
    sources = seed_sources()
    data = bytearray(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if not data:
            break
        kind = draw(st.integers(min_value=0, max_value=4))
        pos = draw(st.integers(min_value=0, max_value=len(data) - 1))
        if kind == 0:                                    # flip one bit
            data[pos] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif kind == 1:                                  # truncate
            del data[pos:]
        elif kind == 2:                                  # splice a slice of another real file in
            other = draw(st.sampled_from(sources))
            start = draw(st.integers(min_value=0, max_value=max(0, len(other) - 1)))
            length = draw(st.integers(min_value=1, max_value=80))
            data[pos:pos] = other[start:start + length]
        elif kind == 3:                                  # delete a range
            del data[pos:pos + draw(st.integers(min_value=1, max_value=40))]
        else:                                            # insert a token
            data[pos:pos] = draw(st.sampled_from(TOKENS)).encode("latin-1")
    return bytes(data)


@FUZZ_SETTINGS
@given(mutated_sources())
def test_mutated_real_sources(data):
    check(data)
