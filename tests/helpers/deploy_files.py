"""Reading deploy/ (compose.yaml, env examples, systemd units) and the sources they must agree with."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
OPERATIONS = REPO / "docs" / "operations.md"

VARIABLE = re.compile(r"\bVIDENSNET_[A-Z0-9_]*[A-Z0-9]\b")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def variables_read_by_config() -> set[str]:
    """Every VIDENSNET_* name node/core/config/ reads: the quoted ones in its source (docstrings name groups)."""
    source = "".join(path.read_text(encoding="utf-8") for path in (REPO / "node" / "core" / "config").glob("*.py"))
    return set(re.findall(r"[\"'](VIDENSNET_[A-Z0-9_]*[A-Z0-9])[\"']", source))


def variables_documented_in(path: Path) -> set[str]:
    return set(VARIABLE.findall(path.read_text(encoding="utf-8")))


def env_file_assignments(path: Path) -> dict[str, str]:
    """KEY=value lines of an env file, the commented-out examples too (`#KEY=value`): {KEY: value}."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            found[match[1]] = match[2]
    return found


def systemd_unit(name: str) -> dict[str, list[tuple[str, str]]]:
    """A unit file as {section: [(key, value), ...]}; systemd allows a key more than once (After=, filters)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in (DEPLOY / "systemd" / name if name != "vidensnet.service" else DEPLOY / name).read_text(
            encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            key, _, value = line.partition("=")
            current.append((key.strip(), value.strip()))
    return sections


def unit_values(unit: dict, section: str, key: str) -> list[str]:
    return [value for k, value in unit.get(section, []) if k == key]


def cli_words(command: str | list[str]) -> list[str]:
    """The words after `vidensnet` in a command line (an ExecStart, a compose command), with ${X:-d} as d."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    words = [re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", word) for word in words]
    start = next(i for i, word in enumerate(words) if word == "vidensnet" or word.endswith("/vidensnet"))
    return words[start + 1:]


def missing_cli_command(words: list[str]) -> str | None:
    """None when `vidensnet WORDS` is a command the CLI accepts, options and arguments included; else why not.

    Parses the words with the real click app (node.cli.main), group by group as click does when it runs
    a command (custom groups such as `user token NAME` included), without running anything.
    """
    from node.cli import main

    try:
        context = main.make_context("vidensnet", list(words))
        command: click.Command = main
        while isinstance(command, click.Group):
            # Where a group leaves its subcommand's words (click 8.2 renamed protected_args).
            protected = getattr(context, "_protected_args", None) or context.protected_args
            rest = [*protected, *context.args]
            if not rest:
                break
            name, command, rest = command.resolve_command(context, rest)
            context = command.make_context(name, rest, parent=context)
    except click.BadParameter as exc:
        if exc.param is not None and isinstance(exc.param.type, click.Path):
            return None  # a file of the administrator's machine (a backup to restore), not of this one
        return f"`vidensnet {' '.join(words)}`: {exc.format_message()}"
    except click.ClickException as exc:
        return f"`vidensnet {' '.join(words)}`: {exc.format_message()}"
    return None

