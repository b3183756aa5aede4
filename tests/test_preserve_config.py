"""feeds.yaml's preservation keys: off by default, per feed or as defaults, errors with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.config import load_config
from mirror.errors import ConfigError


def load(tmp_path: Path, text: str):
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_everything_is_off_by_default(tmp_path: Path) -> None:
    config = load(tmp_path, "feeds:\n  - name: a\n    url: https://a.example/f\n")
    [feed] = config.feeds
    assert (feed.images, feed.keep_pages, feed.watch, feed.wayback) == ("link", False, 0.0, False)
    assert feed.watch_every == 6 * 3600
    assert (config.assets, config.raw, config.image_base) == ("assets", "raw", None)
    assert config.wayback_url == "https://web.archive.org/save/"


def test_defaults_and_per_feed_overrides(tmp_path: Path) -> None:
    config = load(tmp_path, """\
images: keep
assets: static/img
image_base: /static/img/
max_image_bytes: 2MB
max_run_image_bytes: 50MB
keep_pages: true
raw: pages
watch: 7d
watch_every: 30m
wayback: true
wayback_url: http://127.0.0.1:9/save/
wayback_every: 1m
feeds:
  - name: a
    url: https://a.example/f
  - name: b
    url: https://b.example/f
    images: link
    watch: false
    wayback: false
""")
    a, b = config.feeds
    assert (a.images, a.keep_pages, a.watch, a.watch_every, a.wayback) == \
        ("keep", True, 7 * 86400, 1800, True)
    assert (b.images, b.keep_pages, b.watch, b.wayback) == ("link", True, 0.0, False)
    assert (config.assets, config.image_base, config.raw) == ("static/img", "/static/img/", "pages")
    assert (config.max_image_bytes, config.max_run_image_bytes) == (2_000_000, 50_000_000)
    assert (config.wayback_url, config.wayback_every) == ("http://127.0.0.1:9/save/", 60.0)


@pytest.mark.parametrize(("line", "message"), [
    ("images: always", "feeds.yaml:4: 'images' must be one of link, keep, not 'always'"),
    ("keep_pages: yes please", "feeds.yaml:4: 'keep_pages' must be true or false"),
    ("watch: a week", "feeds.yaml:4: 'watch' must be a duration such as 7d or 12h, or false"),
    ("watch_every: 0s", "feeds.yaml:4: 'watch_every' must be at least 1s, not '0s'"),
    ("wayback: 1", "feeds.yaml:4: 'wayback' must be true or false, not 1"),
])
def test_bad_values_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, f"feeds:\n  - name: a\n    url: https://a.example/f\n    {line}\n")
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(("line", "message"), [
    ("assets: ../outside", "feeds.yaml:1: 'assets' must be a path inside the repository"),
    ("raw: /abs", "feeds.yaml:1: 'raw' must be a path inside the repository"),
    ("wayback_url: ftp://x/", "feeds.yaml:1: 'wayback_url' must be an http:// or https:// URL"),
    ("max_image_bytes: big", "feeds.yaml:1: 'max_image_bytes' must be a size such as 10MB"),
])
def test_bad_top_level_values_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, f"{line}\nfeeds:\n  - name: a\n    url: https://a.example/f\n")
    assert str(error.value).startswith(message)
