"""Property test: random projects of 1 to 50 generated modules build into images the reader accepts, with the compiler's Protos, deterministically."""

import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

import vm.lfs
from tests.vm.lfs.helpers import compile_modules, needs_compiler

WORDS = ["alpha", "beta", "gamma", "led", "wifi", "print", "x", "", "a\\0b", "日本",
         "longer string that is more than forty bytes long, sampled hash"]


@st.composite
def lua_module(draw, index: int) -> bytes:
    lines = [f"local M = {{}}  -- module {index}"]
    for n in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 5))
        word = draw(st.sampled_from(WORDS))
        number = draw(st.one_of(st.integers(-2**31, 2**31), st.floats(allow_nan=False,
                                                                       allow_infinity=False)))
        if kind == 0:
            lines.append(f'M.s{n} = "{word}" .. "{n}"')
        elif kind == 1:
            lines.append(f"M.n{n} = {number!r}")
        elif kind == 2:
            lines.append(f"function M.f{n}(a, b, ...)\n  local t = {{a, b, '{word}', ...}}\n"
                         f"  for i = 1, #t do b = (b or 0) + i end\n  return t, b\nend")
        elif kind == 3:
            lines.append(f"M.t{n} = {{ {', '.join(repr(w) for w in WORDS[:n + 1])} }}")
        elif kind == 4:
            lines.append(f"local up{n} = {n}\nfunction M.c{n}() return function() "
                         f"up{n} = up{n} + 1 return up{n} end end")
        else:
            lines.append("\n" * draw(st.integers(0, 80)) + f"M.late{n} = true")
    lines.append("return M")
    return "\n".join(lines).encode()


@st.composite
def project(draw):
    count = draw(st.integers(1, 50))
    names = draw(st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,11}", fullmatch=True),
                          min_size=count, max_size=count, unique=True))
    return [(f"{name}.lua", draw(lua_module(i))) for i, name in enumerate(names)]


@needs_compiler
@settings(max_examples=25)
@given(project(), st.integers(0, 2**31 - 1))
def test_random_projects(files, timestamp):
    modules = compile_modules(files)
    built = vm.lfs.build_image(modules, timestamp)
    assert gzip.decompress(built.data) == built.raw.payload()
    image = vm.lfs.read_image(built.data)
    assert [m.name for m in image.modules] == [f[:-4].encode() for f, _ in files]
    assert [m.proto for m in image.modules] == modules
    assert image.timestamp == timestamp
    again = vm.lfs.build_image(compile_modules(files), timestamp)
    assert again.data == built.data
