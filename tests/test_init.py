"""mirror init: a valid workflow, files kept, the first commit, and a requirements.txt that
installs this mirror however it was installed (never the other project called mirror)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mirror import init
from mirror.init import DIST, default_install, pip_git_url, scaffold
from tests.conftest import commits, git, mirror, new_repo

INSTALL = f"{DIST} @ git+https://git.example/you/mirror@v0.1.0"


def test_init_scaffolds_a_valid_workflow_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "news"
    first = mirror(tmp_path, "init", str(target), "--install", INSTALL)
    assert first.returncode == 0, first.stderr
    for name in ("feeds.yaml", "archive/.gitkeep", "requirements.txt", ".gitignore",
                 ".gitattributes", ".github/workflows/mirror.yml"):
        assert (target / name).exists(), name
    workflow = yaml.safe_load((target / ".github/workflows/mirror.yml").read_text())
    assert workflow["permissions"] == {"contents": "write"}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    cron = workflow[True]["schedule"][0]["cron"]  # YAML 1.1 reads the key `on` as True
    assert not cron.startswith("0 ")
    steps = workflow["jobs"]["fetch"]["steps"]
    assert any(step.get("with", {}).get("cache") == "pip" for step in steps)
    assert "mirror fetch --push" in steps[-1]["run"]
    assert "/.mirror-cache/" in (target / ".gitignore").read_text()
    assert (target / "requirements.txt").read_text() == INSTALL + "\n"

    again = mirror(tmp_path, "init", str(target), "--install", INSTALL)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    (target / ".gitignore").write_text("node_modules/\n")
    (target / "feeds.yaml").write_text("feeds: []  # mine\n")
    forced = mirror(tmp_path, "init", str(target), "--force", "--shards", "4",
                    "--install", INSTALL)
    assert forced.returncode == 0, forced.stderr
    assert (target / ".gitignore").read_text().startswith("node_modules/\n")
    assert (target / "feeds.yaml").read_text() == "feeds: []  # mine\n"  # kept
    sharded = (target / ".github/workflows/mirror.yml").read_text()
    assert "--shard ${{ matrix.shard }}/4" in sharded

    other = tmp_path / "other"
    assert mirror(tmp_path, "init", str(other), "--install", INSTALL).returncode == 0
    schema = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(target / ".github/workflows/mirror.yml"),
         str(other / ".github/workflows/mirror.yml")], capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_the_scaffold_is_the_first_commit(tmp_path: Path) -> None:
    target = tmp_path / "news"
    done = mirror(tmp_path, "init", str(target), "--install", INSTALL)
    assert done.returncode == 0, done.stderr
    assert commits(target) == 1 and "committed " in done.stdout
    tracked = set(git(target, "ls-files").split())
    assert {".github/workflows/mirror.yml", "feeds.yaml", "requirements.txt", ".gitignore",
            ".gitattributes", "archive/.gitkeep"} <= tracked
    assert git(target, "status", "--porcelain") == ""
    assert git(target, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert "git push" in done.stdout


def test_a_repository_with_history_is_left_to_commit(repo: Path) -> None:
    (repo / "notes.md").write_text("mine\n")
    git(repo, "add", "notes.md")
    git(repo, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "mine")
    done = mirror(repo, "init", "--install", INSTALL)
    assert done.returncode == 0, done.stderr
    assert commits(repo) == 1
    assert "not committed: this repository has history" in done.stdout


def test_the_scaffolded_feeds_yaml_is_valid_and_shows_the_request_options(
        tmp_path: Path) -> None:
    assert mirror(tmp_path, "init", "--install", INSTALL).returncode == 0
    checked = mirror(tmp_path, "check")
    assert checked.returncode == 0, checked.stderr
    status = mirror(tmp_path, "status", "--json")
    assert status.returncode == 0, status.stderr
    text = (tmp_path / "feeds.yaml").read_text()
    for key in ("auth:", "headers:", "cookies:", "proxy:", "${FEED_PASSWORD}", "mirror add"):
        assert key in text, key
    uncommented = re.sub(r"(?m)^  # ((?:- |  )\S.*)$", r"  \1", text)
    loaded = yaml.safe_load(uncommented)
    assert {"auth", "headers", "cookies", "proxy"} <= set(loaded["feeds"][-1])


def test_init_never_installs_the_other_project_called_mirror(tmp_path: Path) -> None:
    for spec in ("mirror", "mirror==0.8.4", "Mirror @ git+https://github.com/you/mirror"):
        refused = mirror(tmp_path, "init", str(tmp_path / "news"), "--install", spec)
        assert refused.returncode == 2 and "another project" in refused.stderr
    assert not (tmp_path / "news").exists()
    (tmp_path / "a-file").write_text("x")
    on_a_file = mirror(tmp_path, "init", str(tmp_path / "a-file"), "--install", INSTALL)
    assert on_a_file.returncode == 2 and "not a folder" in on_a_file.stderr


def test_init_needs_no_flag_as_this_mirror_is_installed(tmp_path: Path) -> None:
    done = mirror(tmp_path, "init", str(tmp_path / "news"))
    assert done.returncode == 0, done.stderr
    requirements = (tmp_path / "news" / "requirements.txt").read_text()
    assert requirements.startswith((f"{DIST} @ git+", f"{DIST}==", "# "))
    assert not requirements.startswith("mirror")


# ------------------------------------------------- where this mirror was installed from

class FakeDistribution:
    def __init__(self, direct_url: dict[str, object] | None, version: str = "0.1.0") -> None:
        self.direct_url = direct_url
        self.version = version

    def read_text(self, name: str) -> str | None:
        if name == "direct_url.json" and self.direct_url is not None:
            return json.dumps(self.direct_url)
        return None


def installed(monkeypatch: pytest.MonkeyPatch, *found: FakeDistribution) -> None:
    monkeypatch.setattr(init.metadata, "distributions",
                        lambda name: list(found) if name == DIST else [])


def test_installed_from_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, FakeDistribution(None, "1.2.3"))
    assert default_install() == f"{DIST}==1.2.3"


def test_installed_from_a_git_url(monkeypatch: pytest.MonkeyPatch) -> None:
    # an egg-info in the source tree (no direct_url.json) does not hide the installed one
    installed(monkeypatch, FakeDistribution(None), FakeDistribution({
        "url": "https://github.com/you/mirror.git",
        "vcs_info": {"vcs": "git", "commit_id": "abc123", "requested_revision": "main"}}))
    assert default_install() == f"{DIST} @ git+https://github.com/you/mirror.git@abc123"


def test_installed_from_an_archive_url(monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, FakeDistribution({
        "url": "https://user:token@files.example/news_mirror-0.1.0-py3-none-any.whl",
        "archive_info": {"hashes": {"sha256": "00"}}}))
    assert default_install() == \
        f"{DIST} @ https://files.example/news_mirror-0.1.0-py3-none-any.whl"


def checkout(tmp_path: Path, origin: str | None, pushed: bool) -> Path:
    folder = new_repo(tmp_path / "checkout")
    (folder / "README.md").write_text("x\n")
    git(folder, "add", "README.md")
    git(folder, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "x")
    if origin is not None:
        git(folder, "remote", "add", "origin", origin)
    if pushed:
        git(folder, "update-ref", "refs/remotes/origin/main", "HEAD")
    return folder


@pytest.mark.parametrize(("origin", "pushed", "expected"), [
    ("https://github.com/you/mirror.git", True, "git+https://github.com/you/mirror.git@{head}"),
    ("https://github.com/you/mirror.git", False, "git+https://github.com/you/mirror.git"),
    ("https://you:ghp_s3cret@github.com/you/mirror", False,
     "git+https://github.com/you/mirror"),
    ("git@github.com:you/mirror.git", True, "git+ssh://git@github.com/you/mirror.git@{head}"),
])
def test_installed_from_a_local_checkout_installs_from_its_origin(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, origin: str, pushed: bool,
        expected: str) -> None:
    folder = checkout(tmp_path, origin, pushed)
    head = git(folder, "rev-parse", "HEAD").strip()
    installed(monkeypatch, FakeDistribution({"url": folder.as_uri(),
                                             "dir_info": {"editable": True}}))
    assert default_install() == f"{DIST} @ " + expected.format(head=head)


@pytest.mark.parametrize("origin", [None, "/srv/git/mirror.git", "file:///srv/git/mirror"])
def test_a_checkout_no_runner_can_reach_gets_a_comment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, origin: str | None) -> None:
    folder = checkout(tmp_path, origin, pushed=False)
    installed(monkeypatch, FakeDistribution({"url": folder.as_uri(), "dir_info": {}}))
    assert default_install() is None
    done = scaffold(tmp_path / "news")
    requirements = (tmp_path / "news" / "requirements.txt").read_text()
    assert all(line.startswith("#") for line in requirements.splitlines())
    assert f"{DIST} @ git+https://github.com/you/mirror" in requirements
    assert any("requirements.txt names no mirror" in note for note in done.notes)
    workflow = (tmp_path / "news" / ".github/workflows/mirror.yml").read_text()
    assert "command -v mirror" in workflow  # the run says so, not "mirror: not found"


@pytest.mark.parametrize(("remote", "url"), [
    ("https://github.com/a/b", "https://github.com/a/b"),
    ("ssh://git@host:22/a/b.git", "ssh://git@host:22/a/b.git"),
    ("git@github.com:a/b.git", "ssh://git@github.com/a/b.git"),
    ("https://x:y@host/a", "https://host/a"),
    ("/local/path", None),
    ("C:\\repos\\mirror", None),
    ("file:///x", None),
    ("", None),
])
def test_pip_git_url(remote: str, url: str | None) -> None:
    assert pip_git_url(remote) == url
