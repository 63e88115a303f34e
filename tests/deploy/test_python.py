"""deploy/python.sh: setup.sh and test.sh pick the newest Python that really runs, pyenv's unselected ones too."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers.deploy_files import DEPLOY


def _fake(path: Path, *, works: bool, minor: int = 13) -> Path:
    # A stand-in for an interpreter: it passes setup's check (exit 0) or fails it as a pyenv shim for an
    # unselected version does (exit 127), and tells its minor version when asked.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n[ \"$2\" = 'import sys; print(sys.version_info[1])' ] && echo {minor}\n"
                    f"exit {0 if works else 127}\n")
    path.chmod(0o755)
    return path


def _run(function: str, tmp_path: Path) -> str:
    # Only the fake bin directory and the shell's own tools on PATH, so this machine's Pythons stay out.
    result = subprocess.run(["bash", "-c", f". {DEPLOY / 'python.sh'} && {function}"], capture_output=True,
                            text=True, timeout=30, env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin",
                                                        "PYENV_ROOT": str(tmp_path / "pyenv"), "HOME": str(tmp_path)})
    return result.stdout.strip() if result.returncode == 0 else f"failed ({result.returncode})"


def _hide_real_pythons(tmp_path: Path) -> None:
    for name in ("python3", "python3.11", "python3.12", "python3.13"):
        _fake(tmp_path / "bin" / name, works=False)


def test_a_shim_that_does_not_run_is_passed_over_for_the_newest_pyenv_install_of_that_version(tmp_path):
    _hide_real_pythons(tmp_path)
    for patch in ("2", "10"):
        _fake(tmp_path / "pyenv" / "versions" / f"3.13.{patch}" / "bin" / "python3.13", works=True)
    assert _run("newest_python", tmp_path) == str(tmp_path / "pyenv/versions/3.13.10/bin/python3.13")


def test_the_newest_working_python_on_path_is_chosen_before_older_ones(tmp_path):
    _hide_real_pythons(tmp_path)
    _fake(tmp_path / "bin" / "python3.12", works=True, minor=12)
    _fake(tmp_path / "bin" / "python3.11", works=True, minor=11)
    assert _run("newest_python", tmp_path) == str(tmp_path / "bin/python3.12")
    assert _run("find_python 11", tmp_path) == str(tmp_path / "bin/python3.11")
    assert _run("python_minor $(newest_python)", tmp_path) == "12"


def test_no_usable_python_is_a_failure_not_a_guess(tmp_path):
    _hide_real_pythons(tmp_path)
    assert _run("newest_python", tmp_path).startswith("failed")


def test_the_real_choice_here_is_a_python_of_at_least_3_11_with_venv():
    result = subprocess.run(["bash", "-c", f". {DEPLOY / 'python.sh'} && newest_python"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    version = subprocess.run([result.stdout.strip(), "-c", "import sys, venv, ensurepip; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60).stdout
    assert tuple(int(part) for part in version.split()) >= (3, 11)
