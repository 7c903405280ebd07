"""The benchmarks sit beside the portal, not in it: its app has none of their commands, so
what is installed and run in production does not depend on code that exists to measure it.
(That no module of the portal imports them is an import contract in pyproject.toml.)"""

from __future__ import annotations

from collections.abc import Iterator

import click

from portal import create_app


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
