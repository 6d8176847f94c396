"""The README's set-up commands and .ci/run stay in step: CI must run exactly the README's test command."""

import re

from tests.oracles import REPO_DIR


def _setup_commands() -> list[str]:
    text = (REPO_DIR / "README.md").read_text()
    section = text.split("## Set up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.startswith("    ")]


def test_readme_has_exactly_two_setup_commands():
    commands = _setup_commands()
    assert len(commands) == 2, commands
    assert all(re.match(r"python3 -m venv \.venv && ", c) for c in commands)


def test_ci_runs_the_readme_test_command():
    test_command = _setup_commands()[1]
    ci = (REPO_DIR / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()
