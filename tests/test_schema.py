"""The published JSON Schema of feeds.yaml: the examples validate, bad files do not, and its
keys are the keys config.py reads. The pre-commit hook runs mirror check."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from mirror import config
from mirror.init import FEEDS_YAML
from tests.conftest import ROOT, mirror

SCHEMA_FILE = ROOT / "schema" / "feeds.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)

REQUEST_OPTIONS = """\
headers: {Accept-Language: zh-CN}
proxy: http://proxy.example:3128
retries: ${RETRIES}
robots: ignore
index_pages: { folder: feeds, time_zone: Asia/Taipei, newest: 20 }
max_page_bytes: 10MB
commit_author: mirror bot <bot@example.org>
feeds:
  - name: private
    url: https://feeds.example/rss
    headers: {Referer: https://feeds.example/, X-Api-Key: "${FEED_KEY}"}
    cookies: {consent: "yes", session: "${FEED_SESSION}"}
    auth: {user: reader, password: "${FEED_PASSWORD}"}
    every: 15m
  - name: token
    url: https://api.example/rss
    auth: {bearer: "${FEED_TOKEN}"}
    proxy: null
    filename: "{year}/{month}/{slug}.md"
"""


def errors(text: str) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(yaml.safe_load(text))]


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## `feeds.yaml`", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("text", [
    (ROOT / "feeds.yaml").read_text(encoding="utf-8"),
    FEEDS_YAML,
    re.sub(r"(?m)^  # ((?:- |  )\S.*)$", r"  \1", FEEDS_YAML),  # its examples, uncommented
    REQUEST_OPTIONS,
    "feeds: []\nindex_pages: false\n",
], ids=["repository", "init", "init-uncommented", "request-options", "minimal"])
def test_the_examples_validate(text: str) -> None:
    assert errors(text) == []


def test_the_readme_example_validates() -> None:
    assert errors(readme_example()) == []


@pytest.mark.parametrize("text", [
    "feeds:\n  - {name: a, url: 'http://a', urll: x}\n",
    "feeds:\n  - {name: a}\n",
    "feeds:\n  - {name: a, url: 'ftp://a'}\n",
    "feeds:\n  - {name: a, url: 'http://a', content: full}\n",
    "per_host: 0\nfeeds: []\n",
    "every: soon\nfeeds: []\n",
    "archive: a\n",
    "feeds: []\nauth: {user: a, bearer: b}\n",
    "feeds: []\nheaders: {'Bad Name': x}\n",
    "feeds: []\nfilename: '{date}.md'\n",
    "feeds: []\nproxy: ftp://p:21\n",
    "feeds: []\nindex_pages: {folder: f, colour: red}\n",
    "feeds: []\ncommit_author: bot\n",
])
def test_bad_files_do_not_validate(text: str) -> None:
    assert errors(text)


def properties(schema: dict[str, Any]) -> set[str]:
    return set(schema["properties"])


def test_the_schema_has_the_keys_config_reads() -> None:
    feed = SCHEMA["$defs"]["feed"]
    assert properties(SCHEMA) == {*config.TOP_ONLY_KEYS, *config.DEFAULT_KEYS}
    assert properties(feed) == {*config.FEED_ONLY_KEYS, *config.DEFAULT_KEYS}
    assert set(feed["required"]) == set(config.FEED_ONLY_KEYS)
    index = next(alt for alt in SCHEMA["properties"]["index_pages"]["anyOf"]
                 if alt.get("type") == "object")
    assert properties(index) == set(config.INDEX_KEYS)
    auth = {key for alt in SCHEMA["properties"]["auth"]["anyOf"] if alt.get("type") == "object"
            for key in alt["properties"]}
    assert auth == set(config.AUTH_KEYS)
    for choice in ("content", "format", "robots"):
        listed = next(alt["enum"] for alt in SCHEMA["properties"][choice]["anyOf"]
                      if "enum" in alt)
        assert listed, choice
    assert SCHEMA["additionalProperties"] is False and feed["additionalProperties"] is False


def test_check_jsonschema_validates_the_repository_feeds_yaml() -> None:
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile",
                             str(SCHEMA_FILE), str(ROOT / "feeds.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------- the pre-commit hook

def test_the_pre_commit_hook_runs_mirror_check_on_feeds_yaml(tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook, = (hook for hook in hooks if hook["id"] == "mirror-check")
    assert hook["entry"] == "mirror check" and hook["language"] == "python"
    files = re.compile(hook["files"])
    assert files.search("feeds.yaml") and files.search("site/feeds.yml")
    assert not files.search("feeds.yaml.bak") and not files.search("other.yaml")

    good = tmp_path / "good" / "feeds.yaml"
    bad = tmp_path / "bad" / "feeds.yaml"
    for path, text in ((good, "feeds:\n  - {name: a, url: 'https://a.example/rss'}\n"),
                       (bad, "feeds:\n  - {name: a, urll: x}\n")):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    entry = hook["entry"].split()[1:]
    passed = mirror(tmp_path, *entry, "good/feeds.yaml")
    assert passed.returncode == 0, passed.stderr
    failed = mirror(tmp_path, *entry, "good/feeds.yaml", "bad/feeds.yaml")
    assert failed.returncode == 2
    assert "bad/feeds.yaml:2: feed without 'url'" in failed.stderr
