"""No secret of feeds.yaml ever reaches output, the step summary, annotations, commits or files."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.conftest import git, mirror, write_config
from tests.feeds import Item, rss
from tests.helpers import FULL_TEXT, RSS_TYPE

PASSWORD, TOKEN, COOKIE = "s3cret-pw", "t0ken-from-env", "c00kie-val"


def every_byte(*folders: Path) -> bytes:
    found = b""
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                found += path.read_bytes()
    return found


def test_secrets_stay_secret_on_every_path(repo: Path, tmp_path: Path, site) -> None:
    ok = site.add("/ok.xml", rss([Item(title="一", link=site.url("/page/1"), body=None,
                                       summary="摘要。")]), content_type=RSS_TYPE)
    site.add("/page/1", "down", status=500)
    site.add("/401.xml", "who are you", status=401)
    site.add("/500.xml", "broken", status=500)
    with_password = site.url("/401.xml").replace("http://", f"http://user:{PASSWORD}@")
    write_config(repo, [
        {"name": "basic", "url": with_password},
        {"name": "bearer", "url": site.url("/500.xml") + f"?token={TOKEN}",
         "auth": {"bearer": "${FEED_TOKEN}"}},
        {"name": "pages", "url": ok + f"?key={TOKEN}", "cookies": {"session": "${COOKIE}"},
         "headers": {"X-Api-Key": "${FEED_TOKEN}"}},
        {"name": "fine", "url": site.add("/fine.xml", rss([Item(
            title="二", link="https://n.example/2", body=FULL_TEXT)]), content_type=RSS_TYPE),
         "content": "feed"},
    ], retries=0)
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    result = mirror(repo, "fetch", env={
        "FEED_TOKEN": TOKEN, "COOKIE": COOKIE, "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)})

    assert result.returncode == 1
    assert "basic: failed: HTTP 401" in result.stderr
    assert "bearer: failed: HTTP 500" in result.stderr
    assert "::error file=feeds.yaml" in result.stdout
    sent = {path: headers for _, path, headers in site.log}
    assert sent["/401.xml"]["Authorization"] == "Basic " + base64.b64encode(
        f"user:{PASSWORD}".encode()).decode()
    assert sent[f"/500.xml?token={TOKEN}"]["Authorization"] == f"Bearer {TOKEN}"
    assert COOKIE in sent[f"/ok.xml?key={TOKEN}"]["Cookie"]

    status = mirror(repo, "status", "--json")
    history = git(repo, "log", "-p", "--all")
    shown = [result.stdout, result.stderr, status.stdout, status.stderr, history,
             summary.read_text(), outputs.read_text()]
    everything = "\n".join(shown).encode() + every_byte(repo / "archive", repo / "feeds",
                                                         repo / ".git" / "mirror")
    for secret in (PASSWORD, TOKEN, COOKIE):
        assert secret.encode() not in everything, secret
