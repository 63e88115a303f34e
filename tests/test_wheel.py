"""The wheel built from the repo is a whole node: installed without the source tree, it serves its pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import requests

from tests.helpers.live_nodes import HTTP_TIMEOUT, REPO, free_port, wait_until_serving

PACKAGES = ("node", "federation", "search")  # the top-level packages pyproject.toml ships
# Building is pip's isolated build: pyproject's build-system wants setuptools>=77 (for the SPDX license
# field), newer than the one in the dev venv, so pip fetches it or takes it from its cache.
BUILD_TIMEOUT = 300
STEP_TIMEOUT = 120


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    """Run a command to completion; on failure the assertion shows its output."""
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                            timeout=kwargs.pop("timeout", STEP_TIMEOUT), **kwargs)
    assert result.returncode == 0, f"{command} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from a clean copy of the repo (building in the repo would leave build/ behind and
    reuse it)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "var", "build", "*.egg-info", "__pycache__", ".pytest_cache"))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", root / "dist", source,
        timeout=BUILD_TIMEOUT)
    (built,) = (root / "dist").glob("vidensnet-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel; its dependencies are this venv's, seen through a .pth file (no download)."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel)
    site_packages = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip())
    # Lines of a .pth file only extend sys.path (the dev venv's own .pth files, among them the editable
    # install's finder, are not run), and they come after the new venv's site-packages.
    shared = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site_packages / "vidensnet-test-dependencies.pth").write_text("\n".join(shared) + "\n", encoding="utf-8")
    return venv


def outside_the_repo(tmp_path: Path) -> dict[str, str]:
    """Environment for the installed node: no PYTHONPATH or other Python or Vidensnet settings from the test run."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "VIDENSNET_", "VIRTUAL_ENV"))}
    # Search runs degraded (database only): these tests are about pages, and a Meilisearch to start and
    # index would only slow the node down on a busy machine.
    env["VIDENSNET_MEILISEARCH_BIN"] = str(tmp_path / "no-meilisearch")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_the_wheel_carries_every_module_and_data_file_of_the_source_tree(wheel):
    def files(top: Path):
        return (p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")

    expected = {p.relative_to(REPO).as_posix() for top in PACKAGES for p in files(REPO / top) if p.suffix != ".md"}
    expected |= {"node/templates/" + p.relative_to(REPO / "templates").as_posix() for p in files(REPO / "templates")}
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    assert sorted(expected - shipped) == [], "files of the source tree missing from the wheel (see pyproject.toml)"


def test_a_node_installed_from_the_built_wheel_serves_its_pages(venv, tmp_path):
    env = outside_the_repo(tmp_path)
    imported = run(venv / "bin" / "python", "-c", "import node; print(node.__file__)",
                   cwd=tmp_path, env=env).stdout.strip()
    assert Path(imported).resolve().is_relative_to(venv.resolve()), f"node imported from {imported}, not the wheel"

    vidensnet, home = venv / "bin" / "vidensnet", tmp_path / "aarhus"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run(vidensnet, "--home", home, "init", "--name", "Aarhus Kommune", "--kind", "municipality",
        "--municipality", "0751", "--url", url, cwd=tmp_path, env=env)
    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        command = [str(vidensnet), "--home", str(home), "run", "--host", "127.0.0.1", "--port", str(port)]
        proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_serving(url, proc, timeout=60)
            front = requests.get(url + "/", timeout=HTTP_TIMEOUT)
            assert front.status_code == 200
            assert '<html lang="da"' in front.text and "Aarhus Kommune" in front.text
            style = requests.get(url + "/static/style.css", timeout=HTTP_TIMEOUT)
            assert style.status_code == 200
            assert style.content == (REPO / "node" / "static" / "style.css").read_bytes()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
            print(log_path.read_text(encoding="utf-8"))  # shown by pytest when the test fails
