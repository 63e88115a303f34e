"""docs/operations.md: the commands it tells an administrator to type exist, and so does what it names in deploy/."""

from __future__ import annotations

import re

from tests.helpers.deploy_files import (
    DEPLOY,
    OPERATIONS,
    REPO,
    cli_words,
    missing_cli_command,
    systemd_unit,
    unit_values,
)


def _doc() -> str:
    return OPERATIONS.read_text(encoding="utf-8")


def _commands_shown() -> list[str]:
    """Every vidensnet command in code blocks (fenced or indented) and code spans, as `vidensnet ...`.

    Written `vidensnet-admin ...`, `docker compose run --rm migrate vidensnet ...` or plain `vidensnet ...`
    in a code block; cut at a pipe, a redirection or a comment.
    """
    # Continuation lines joined, and $(date ...) as one word, as the shell would pass it.
    text = re.sub(r"\$\([^)]*\)", "NOW", _doc().replace("\\\n", " "))
    lines = [line for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL) for line in block.splitlines()]
    lines += [line for line in text.splitlines() if line.startswith("    ") and not line.lstrip().startswith("#")]
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    found = []
    for in_block, line in [(True, line) for line in lines] + [(False, span) for span in spans]:
        line = re.split(r"\s[|>#]", line, maxsplit=1)[0].strip()
        match = re.search(r"(?:^|[\s/])(vidensnet-admin [-a-z].*"
                          r"|docker compose run --rm (?:-T )?migrate vidensnet \S.*)", line)
        if in_block and not match:
            match = re.match(r"()(vidensnet \S.*)", line)
        if match and "..." not in match[match.lastindex]:
            found.append(match[match.lastindex].replace("vidensnet-admin", "vidensnet", 1))
    return found


def test_every_command_the_operations_doc_shows_is_one_the_cli_accepts():
    commands = _commands_shown()
    assert len(commands) >= 15
    for command in commands:
        words = cli_words(command)
        problem = missing_cli_command(words)
        assert problem is None, f"{command}: {problem}"


def test_vidensnet_admin_runs_the_units_program_as_their_user_with_their_environment_file():
    wrapper = (DEPLOY / "vidensnet-admin").read_text(encoding="utf-8")
    unit = systemd_unit("vidensnet-serve.service")
    program = unit_values(unit, "Service", "ExecStart")[0].split()[0]
    assert f"{program} \"$@\"" in wrapper
    assert f"EnvironmentFile={unit_values(unit, 'Service', 'EnvironmentFile')[0]}" in wrapper
    assert "--uid=vidensnet --gid=vidensnet" in wrapper
    assert (DEPLOY / "vidensnet-admin").stat().st_mode & 0o111


def test_every_deploy_file_the_doc_names_exists():
    # deploy/.env, certs/ and backups/ are the administrator's, made from the examples.
    names = set(re.findall(r"deploy/[\w./*-]*\w", _doc())) - {"deploy/.env", "deploy/backups", "deploy/certs"}
    assert len(names) >= 8
    assert not {name for name in names if not list(REPO.glob(name))}

