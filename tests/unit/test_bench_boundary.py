"""The benchmarks sit beside the portal, not in it: the portal never imports them and its app
has none of their commands, so what is installed and run in production does not depend on
code that exists to measure it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import click

import portal
from portal import create_app


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_nothing_in_the_portal_imports_the_benchmarks() -> None:
    root = Path(portal.__file__).parent
    importers = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(name.split(".")[0] == "benchmarks" for name in _imported_modules(path))
    }
    assert importers == set()


def _commands(group: click.Group) -> Iterator[click.Command]:
    for command in group.commands.values():
        yield command
        if isinstance(command, click.Group):
            yield from _commands(command)


def test_the_app_has_no_benchmark_commands() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert "bench" not in app.cli.commands
    modules = {command.callback.__module__ for command in _commands(app.cli) if command.callback}
    assert modules and not {module for module in modules if module.startswith("benchmarks")}
