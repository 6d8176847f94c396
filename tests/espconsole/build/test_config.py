"""espconsole.toml settings: defaults, values, mistakes."""

from pathlib import Path

import pytest

from espconsole.config import ConfigError, _minimal_toml, load_config, parse_size


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "espconsole.toml").write_text(text)
    return tmp_path


def test_defaults(tmp_path):
    settings = load_config(tmp_path).lfs
    assert settings.sources == ["lfs"] and settings.image == "lfs.img"
    assert settings.output_path == ".espconsole/lfs.img"
    assert settings.max_size == 0x40000 and settings.variant == "float"
    assert settings.timestamp is None
    assert settings.compression == "exact"


def test_values(tmp_path):
    settings = load_config(write(tmp_path, """
[lfs]
sources = ["lfs", "extra/x.lua"]   # comment
image = "app.img"
max_size = 0x10000
variant = "integer"
timestamp = 1767225600
compression = "fast"
""")).lfs
    assert settings.compression == "fast"
    assert settings.sources == ["lfs", "extra/x.lua"]
    assert settings.output_path == ".espconsole/app.img"
    assert (settings.max_size, settings.variant, settings.timestamp) == (0x10000, "integer",
                                                                         1767225600)


@pytest.mark.parametrize("text, message", [
    ("[lfs]\nmax_size = 1000\n", "multiple of 4096"),
    ("[lfs]\nvariant = \"double\"\n", "lfs.variant"),
    ("[lfs]\nsources = 3\n", "lfs.sources"),
    ("[lfs]\nsurprise = 1\n", "unknown key lfs.surprise"),
    ("[lfs]\ncompression = \"best\"\n", "lfs.compression"),
    ("[lfs\n", "espconsole.toml"),
])
def test_mistakes(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_minimal_reader_matches_tomllib_on_our_keys():
    text = '[lfs]\nsources = ["a", "b"]  # c\nimage = "x#y.img"\nmax_size = 0x1_0000\nflag = true\n'
    assert _minimal_toml(text, Path("x")) == {
        "lfs": {"sources": ["a", "b"], "image": "x#y.img", "max_size": 65536, "flag": True}}


@pytest.mark.parametrize("text, value", [("65536", 65536), ("0x10000", 65536), ("64K", 65536),
                                         ("1M", 1 << 20), ("128KiB", 131072)])
def test_parse_size(text, value):
    assert parse_size(text) == value
