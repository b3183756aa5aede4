"""The shared replay: a real day of 15 news feeds, every post compared with the original."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import GUARD, ROOT, shared


def test_replay_matches_the_original_mirror(tmp_path: Path) -> None:
    tool = shared("tools", "replay.py")
    data = shared("replay")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(GUARD), str(ROOT)])
    command = f"{sys.executable} -m mirror fetch"

    result = subprocess.run([sys.executable, str(tool), "run", str(data), str(tmp_path / "w"),
                             "--cmd", command, "--diff", "3"],
                            capture_output=True, text=True, env=env, timeout=1200)

    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0, (summary, result.stderr[-3000:])
    assert summary["expected"] == summary["archived"] == 465
    assert summary["lost"] == summary["duplicated"] == summary["mismatched"] == 0
    assert summary["identical"] + summary["sanitised_ok"] == 465
