"""design.md §3, checked: who may import what, read from every module's syntax tree (imports inside functions count)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}

# What espconsole.tui may take from the rest of espconsole: the session side only.
TUI_ALLOWED_INTERNAL = ("espconsole.tui", "espconsole.session", "espconsole.events",
                        "espconsole.messages")
TUI_FORBIDDEN = ("vm", "espconsole.link", "serial", "watchdog")
UI_LIBRARIES = ("textual", "rich")
# The command line is espconsole.cli plus the sub-command modules behind it (design.md §2:
# "every sub-command lives behind it"), so espconsole.commands counts as part of the CLI.
UI_PACKAGES = ("espconsole.tui", "espconsole.cli", "espconsole.commands")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def imported_names(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, relative ones resolved.

    `from P import n` yields both P and P.n (n may be a submodule). String-literal calls of
    importlib.import_module / __import__ count as imports too.
    """
    tree = ast.parse(path.read_bytes(), filename=str(path))
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[:len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if node.module:
                found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names
                      if alias.name != "*"]
        elif isinstance(node, ast.Call):
            func = node.func
            called = (func.attr if isinstance(func, ast.Attribute)
                      else func.id if isinstance(func, ast.Name) else "")
            if called in ("import_module", "__import__") and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def python_files(package: str) -> list[Path]:
    root = REPO / package
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def violations(path: Path) -> list[str]:
    """Every §3 rule this module breaks, as `file:line: text`."""
    this = module_name(path)
    problems = []
    rel = path.relative_to(REPO)
    for line, name in imported_names(path):
        top = name.split(".")[0]
        where = f"{rel}:{line}: imports {name}"
        if is_within(this, "vm"):
            if top == "espconsole":
                problems.append(f"{where} (vm never imports espconsole)")
            elif top not in STDLIB and top != "vm":
                problems.append(f"{where} (vm imports only the standard library)")
        if is_within(this, "espconsole.tui"):
            if any(is_within(name, forbidden) for forbidden in TUI_FORBIDDEN):
                problems.append(f"{where} (the TUI talks only to espconsole.session)")
            elif top == "espconsole" and name != "espconsole" \
                    and not any(is_within(name, ok) for ok in TUI_ALLOWED_INTERNAL):
                problems.append(f"{where} (the TUI takes only session-side names from espconsole)")
        if top in UI_LIBRARIES and not any(is_within(this, ui) for ui in UI_PACKAGES):
            problems.append(f"{where} (only espconsole.tui and espconsole.cli use {top})")
    return problems


ALL_FILES = python_files("vm") + python_files("espconsole")


def test_the_packages_exist():
    assert python_files("vm") and python_files("espconsole")


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_module_follows_dependency_rules(path):
    assert violations(path) == []


# ----- the checker itself ---------------------------------------------------------------------------

def _fake_module(tmp_path: Path, relative: str, source: str, monkeypatch) -> Path:
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return path


def test_checker_catches_each_rule(tmp_path, monkeypatch):
    vm_module = _fake_module(tmp_path, "vm/runtime/x.py",
                             "import os\nfrom . import y\ndef f():\n    import espconsole.config\n"
                             "    import numpy\n    from ..bytecode import dump\n", monkeypatch)
    assert [v.split(": ", 1)[1] for v in violations(vm_module)] == [
        "imports espconsole.config (vm never imports espconsole)",
        "imports numpy (vm imports only the standard library)",
    ]
    tui_module = _fake_module(tmp_path, "espconsole/tui/app.py",
                              "from textual.app import App\nfrom ..session import Session\n"
                              "from .. import link\nimport serial\n"
                              "def g():\n    from vm import compile\n"
                              "    importlib.import_module('espconsole.build')\n", monkeypatch)
    found = violations(tui_module)
    assert any("espconsole.link" in v for v in found)
    assert any("imports serial" in v for v in found)
    assert any("imports vm" in v for v in found)
    assert any("espconsole.build" in v for v in found)
    assert not any("imports espconsole.session" in v or "imports textual" in v for v in found)
    other = _fake_module(tmp_path, "espconsole/build/x.py", "def h():\n    import rich.console\n",
                         monkeypatch)
    assert violations(other) == ["espconsole/build/x.py:2: imports rich.console "
                                 "(only espconsole.tui and espconsole.cli use rich)"]
    cli = _fake_module(tmp_path, "espconsole/cli.py", "import rich\nimport textual\n", monkeypatch)
    assert violations(cli) == []
    command = _fake_module(tmp_path, "espconsole/commands/x.py", "import rich.progress\n",
                           monkeypatch)
    assert violations(command) == []
