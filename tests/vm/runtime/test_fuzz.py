"""No Python exception escapes the VM: mutated programs either run or fail with a LuaError."""

import random
from pathlib import Path

import pytest

from vm.errors import LuaError
from vm.runtime.state import LuaState

CASES = sorted((Path(__file__).parent.parent / "cases").glob("*.lua"))
SNIPPETS = [b"nil", b"{}", b"1", b"'s'", b"true", b"function() end", b"...", b"#x", b"-x", b"x..y",
            b"x[1]", b"x()", b"x:y()", b"(x)", b"0/0", b"coroutine.yield()", b"setmetatable({}, {__index = x})"]


def mutate(source: bytes, rng: random.Random) -> bytes:
    words = source.split(b" ")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(words))
        if rng.random() < 0.5:
            words[i] = rng.choice(SNIPPETS)
        else:
            words.insert(i, rng.choice(SNIPPETS))
    return b" ".join(words)


@pytest.mark.parametrize("seed", range(40))
def test_mutated_programs_fail_only_with_lua_errors(seed):
    rng = random.Random(seed)
    source = mutate(rng.choice(CASES).read_bytes(), rng)
    state = LuaState(output=lambda b: None)

    def watchdog():
        raise LuaError(b"instruction budget exhausted")
    try:
        fn = state.load(source, b"=fuzz")
    except LuaError:
        return
    state.set_count_hook(watchdog, 200000)
    try:
        ok, err = state.pcall(fn)
    finally:
        state.set_count_hook(None)
    if not ok:
        text = err if isinstance(err, bytes) else b""
        assert not text.startswith(b"internal error"), text
