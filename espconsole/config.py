"""Project settings from `espconsole.toml`, with a default for every key (design.md §2).

The `[lfs]` table (builds) and the `[console]` table (the console app):

    [lfs]
    sources = "lfs"            # folder(s) or .lua files whose modules go into the image
    image = "lfs.img"          # name of the image on the node's SPIFFS
    output = ".espconsole/lfs.img"   # where `espconsole build` writes it (default: .espconsole/<image>)
    max_size = 0x40000         # LFS partition size: the largest image accepted (multiple of 4096)
    variant = "float"          # firmware build: "float", "integer" or "float-unpacked"
    timestamp = 1767225600     # fixed build time for reproducible images (default: now)
    compression = "exact"      # "exact": luac.cross's bytes; "fast": zlib, same image, ~10x faster

    [console]
    auto_deploy = true         # deploy the image after every successful save-triggered build
    compression = "fast"       # the console's builds; default: lfs.compression when set, else "fast"

Paths are relative to the project folder. TOML numbers may be written in hex (0x10000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from espconsole.errors import EspConsoleError

CONFIG_NAME = "espconsole.toml"
STATE_DIR = ".espconsole"
DEFAULT_SOURCES = ("lfs",)
DEFAULT_IMAGE = "lfs.img"
DEFAULT_MAX_SIZE = 0x40000
VARIANT_NAMES = ("float", "integer", "float-unpacked")
COMPRESSION_NAMES = ("exact", "fast")


class ConfigError(EspConsoleError):
    """espconsole.toml cannot be read or holds a bad value."""


@dataclass
class LfsSettings:
    sources: list[str] = field(default_factory=lambda: list(DEFAULT_SOURCES))
    image: str = DEFAULT_IMAGE
    output: str | None = None
    max_size: int = DEFAULT_MAX_SIZE
    variant: str = "float"
    timestamp: int | None = None
    compression: str = "exact"

    @property
    def output_path(self) -> str:
        return self.output if self.output else f"{STATE_DIR}/{self.image}"


@dataclass
class ConsoleSettings:
    auto_deploy: bool = True
    compression: str = "fast"


@dataclass
class ProjectConfig:
    root: Path
    lfs: LfsSettings = field(default_factory=LfsSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR


def parse_size(text: str) -> int:
    """A size such as `65536`, `0x10000`, `64K` or `1M`."""
    match = re.fullmatch(r"\s*(0[xX][0-9a-fA-F]+|\d+)\s*([kKmM]i?[bB]?)?\s*", text)
    if not match:
        raise ValueError(f"not a size: {text!r}")
    value = int(match.group(1), 0)
    unit = (match.group(2) or "").lower()[:1]
    return value * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]


def _load_toml(path: Path) -> dict:
    data = path.read_bytes()
    try:
        import tomllib  # noqa: PLC0415  (Python ≥ 3.11)
    except ImportError:
        try:
            import tomli as tomllib  # noqa: PLC0415
        except ImportError:
            return _minimal_toml(data.decode("utf-8"), path)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


_KEY_VALUE = re.compile(r"([A-Za-z0-9_-]+)\s*=\s*(.+)")


def _minimal_toml(text: str, path: Path) -> dict:
    """Tables, and keys with string, integer, boolean or string-list values: enough for our settings on Python 3.10 without tomli."""
    root: dict = {}
    table = root
    for number, line in enumerate(text.splitlines(), 1):
        line = _strip_comment(line).strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            table = root
            for part in line[1:-1].strip().split("."):
                table = table.setdefault(part.strip(), {})
            continue
        match = _KEY_VALUE.fullmatch(line)
        if not match:
            raise ConfigError(f"{path}:{number}: cannot read this line")
        try:
            table[match.group(1)] = _toml_value(match.group(2).strip())
        except ValueError:
            raise ConfigError(f"{path}:{number}: unsupported value {match.group(2).strip()}") from None
    return root


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _toml_value(text: str):
    if text in ("true", "false"):
        return text == "true"
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip().rstrip(",")
        return [_toml_value(part.strip()) for part in inner.split(",")] if inner else []
    return int(text.replace("_", ""), 0)


def _lfs_settings(table: dict, path: Path) -> LfsSettings:
    settings = LfsSettings()
    unknown = set(table) - {"sources", "image", "output", "max_size", "variant", "timestamp",
                          "compression"}
    if unknown:
        raise ConfigError(f"{path}: unknown key lfs.{sorted(unknown)[0]}")
    sources = table.get("sources", settings.sources)
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(s, str) and s for s in sources):
        raise ConfigError(f"{path}: lfs.sources must be a path or a list of paths")
    settings.sources = sources
    for key in ("image", "output"):
        if key in table:
            if not isinstance(table[key], str) or not table[key]:
                raise ConfigError(f"{path}: lfs.{key} must be a file name")
            setattr(settings, key, table[key])
    if "max_size" in table:
        value = table["max_size"]
        try:
            value = value if isinstance(value, int) and not isinstance(value, bool) \
                else parse_size(str(value))
        except ValueError:
            raise ConfigError(f"{path}: lfs.max_size must be a size in bytes") from None
        if value <= 0 or value % 4096:
            raise ConfigError(f"{path}: lfs.max_size must be a positive multiple of 4096")
        settings.max_size = value
    if "variant" in table:
        if table["variant"] not in VARIANT_NAMES:
            raise ConfigError(f"{path}: lfs.variant must be one of {', '.join(VARIANT_NAMES)}")
        settings.variant = table["variant"]
    if "compression" in table:
        if table["compression"] not in COMPRESSION_NAMES:
            raise ConfigError(
                f"{path}: lfs.compression must be one of {', '.join(COMPRESSION_NAMES)}")
        settings.compression = table["compression"]
    if "timestamp" in table:
        value = table["timestamp"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{path}: lfs.timestamp must be a non-negative integer")
        settings.timestamp = value
    return settings


def load_config(root: str | Path) -> ProjectConfig:
    """The settings of the project in folder `root`; defaults when it has no espconsole.toml."""
    root = Path(root)
    config = ProjectConfig(root=root)
    path = root / CONFIG_NAME
    if not path.is_file():
        return config
    try:
        data = _load_toml(path)
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    lfs = data.get("lfs", {})
    if not isinstance(lfs, dict):
        raise ConfigError(f"{path}: [lfs] must be a table")
    config.lfs = _lfs_settings(lfs, path)
    console = data.get("console", {})
    if not isinstance(console, dict):
        raise ConfigError(f"{path}: [console] must be a table")
    config.console = _console_settings(console, path,
                                       lfs.get("compression", ConsoleSettings.compression))
    return config


def _console_settings(table: dict, path: Path, build_compression: str) -> ConsoleSettings:
    unknown = set(table) - {"auto_deploy", "compression"}
    if unknown:
        raise ConfigError(f"{path}: unknown key console.{sorted(unknown)[0]}")
    settings = ConsoleSettings(compression=build_compression)
    if "auto_deploy" in table:
        if not isinstance(table["auto_deploy"], bool):
            raise ConfigError(f"{path}: console.auto_deploy must be true or false")
        settings.auto_deploy = table["auto_deploy"]
    if "compression" in table:
        if table["compression"] not in COMPRESSION_NAMES:
            raise ConfigError(
                f"{path}: console.compression must be one of {', '.join(COMPRESSION_NAMES)}")
        settings.compression = table["compression"]
    return settings
