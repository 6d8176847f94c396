"""The generated lookup main function and the module-name rule (spec §1.15)."""

import pytest

from tests.vm.lfs.helpers import empty_module
from vm.lfs.errors import LfsBuildError
from vm.lfs.lookup import duplicate_names, int_to_fb, lookup_main, module_name, timestamp_constant


@pytest.mark.parametrize("source, name", [
    (b"@lfs/_init.lua", b"_init"), (b"@a.b.lua", b"a"), (b"@.hidden.lua", b"hidden"),
    (b"=stdin", b"stdin"), (b"@x/...", b"x/..."), (b"@dir\\win.lua", b"win"),
    (b"@a/b\\c.lua", b"b\\c"), (b"@plain", b"plain"), (b"@", b""),
])
def test_module_name(source, name):
    assert module_name(source) == name


@pytest.mark.parametrize("x, fb", [(0, 0), (7, 7), (8, 8), (15, 15), (16, 16), (17, 17),
                                   (50, 29), (33, 25), (100, 37)])
def test_int_to_fb(x, fb):
    assert int_to_fb(x) == fb


def _with_source(name: str):
    module = empty_module()
    module.source = name.encode()
    return module


@pytest.mark.parametrize("n", [1, 2, 15, 16, 50])
def test_main_shape(n):
    modules = [_with_source(f"@m{i}.lua") for i in range(n)]
    main = lookup_main(modules, 1600000000)
    assert (main.numparams, main.is_vararg, main.maxstacksize) == (1, 0, n + 3)
    assert len(main.code) == 5 * n + 5 and len(main.constants) == n + 1
    assert main.constants[:n] == [f"m{i}".encode() for i in range(n)]
    assert main.constants[n] == 1600000000.0 and type(main.constants[n]) is float
    assert main.code[0] == 0x00400017 and main.code[1] == 0x80004016
    assert main.code[4 * n + 1] == 0x0000008A + (int_to_fb(n) << 23)
    assert main.code[5 * n + 2] == 0x000040A2 + (n << 23)
    assert main.source == b"=(luac)" and main.lineinfo == []


def test_more_than_50_modules():
    with pytest.raises(LfsBuildError, match=r"^'-f': Number of modules > 50$"):
        lookup_main([empty_module() for _ in range(51)], 0)


def test_integer_timestamp_wraps_to_int32():
    assert timestamp_constant(1600000000, True) == 1600000000
    assert timestamp_constant(3000000000, True) == 3000000000 - (1 << 32)
    assert type(timestamp_constant(5, False)) is float


def test_duplicates_are_reported_not_rejected():
    modules = [_with_source("@a.lua"), _with_source("@lib/a.lua"), _with_source("@b.lua")]
    assert duplicate_names(modules) == [b"a"]
    assert lookup_main(modules, 0).constants[:3] == [b"a", b"a", b"b"]
