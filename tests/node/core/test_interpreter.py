"""The node process collects cyclic garbage less often than CPython's default."""

from __future__ import annotations

import gc

from click.testing import CliRunner

from node.cli import main
from node.core.interpreter import YOUNG_GENERATION_THRESHOLD


def test_every_vidensnet_command_raises_only_the_young_generation_threshold(tmp_path):
    before = gc.get_threshold()
    try:
        CliRunner().invoke(main, ["--home", str(tmp_path), "peer", "list", "--json"])
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, before[1], before[2])
    finally:
        gc.set_threshold(*before)
