"""feeds.yaml -> Config: parsed, validated, every problem named with its line.

Nothing else in mirror reads YAML. The file is composed into YAML nodes (not
plain dicts) so that each error can point at the line it is about.

``${NAME}`` in any value is read from the environment (``$${`` is a literal
``${``), so that tokens and passwords need not be written in the file; an unset
name is an error naming it and its line. Messages about values that may hold a
secret (headers, cookies, auth, proxies, URLs) never repeat them.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import math
import os
import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import ada_url
import yaml

from mirror.errors import ConfigError
from mirror.models import DEFAULT_VIDEO_HOSTS, Auth, Config, FeedConfig, IndexPages, Limits
from mirror.urls import redact

T = TypeVar("T")

FEED_ONLY_KEYS = ("name", "url")
INDEX_KEYS = ("enabled", "folder", "overview", "time_zone", "newest")
FILENAME_FIELDS = {"date", "year", "month", "day", "slug", "feed"}
DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")
SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?", re.I)
# A poll every 0 s would hammer a site; a 0 s timeout fails every request.
LEAST_DURATION = {"every": 1.0, "timeout": 0.1, "run_timeout": 1.0, "watch_every": 1.0}
SIZE_UNITS = {"b": 1, "kb": 10**3, "kib": 2**10, "mb": 10**6, "mib": 2**20,
              "gb": 10**9, "gib": 2**30}
VARIABLE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # a header or cookie name (RFC 9110)
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Headers a feed may not set: mirror sets them itself, or a key of feeds.yaml does.
MANAGED_HEADERS = {
    "host": None, "content-length": None, "transfer-encoding": None, "connection": None,
    "accept-encoding": None, "if-none-match": None, "if-modified-since": None,
    "cookie": "cookies", "authorization": "auth", "user-agent": "user_agent",
}
AUTH_KEYS = ("user", "password", "bearer")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in feeds.yaml, with its line when it has one."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else \
            f"{self.file}: {self.message}"


class _Invalid(ConfigError):
    """A problem found while reading one value: the reading of that value stops, the
    reading of the file goes on (the problem is collected)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _Where:
    """Formats "feeds.yaml:LINE: message" for a node, and collects the problems found."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, node: yaml.Node | None, message: str) -> _Invalid:
        line = node.start_mark.line + 1 if node is not None else None
        return _Invalid(Problem(self.path.name, line, message))

    def note(self, problem: _Invalid) -> None:
        self.problems.append(problem.problem)

    @contextlib.contextmanager
    def collecting(self) -> Iterator[None]:
        """Collect the problem raised in this block, and go on after it."""
        try:
            yield
        except _Invalid as problem:
            self.note(problem)


def load_config(path: str | Path) -> Config:
    """Read and validate feeds.yaml; raise ConfigError naming the line of every problem
    (one per line of its message)."""
    config, problems = check_config(path)
    if config is None or problems:
        raise ConfigError("\n".join(str(problem) for problem in problems))
    return config


def check_config(path: str | Path) -> tuple[Config | None, tuple[Problem, ...]]:
    """Read and validate feeds.yaml, going on past each problem: the Config (None when
    the file could not be read as YAML at all) and every problem, in the order of lines.

    The Config is only usable when there is no problem: a value that was wrong is left
    at its default, and a feed whose name or URL was wrong is left out.
    """
    path = Path(path)
    where = _Where(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, (Problem(str(path), None, "not found (run mirror from the folder that "
                                               "holds feeds.yaml, or pass --config FILE)"),)
    except (OSError, UnicodeDecodeError) as exc:
        return None, (Problem(str(path), None, f"cannot read: {exc}"),)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        return None, (Problem(path.name, line, f"invalid YAML: {problem}"),)
    if not isinstance(root, yaml.MappingNode):
        return None, (where.error(root, "expected a mapping with a 'feeds' list").problem,)
    config = _config(path.resolve(), root, where)
    return config, tuple(sorted(where.problems, key=lambda p: p.line or 0))


@dataclass(frozen=True)
class Defaults:
    """What a feed added to feeds.yaml gets from its top level, and the run's limits."""

    feed: FeedConfig  # name and url empty
    limits: Limits
    max_feed_bytes: int


def feed_defaults(path: str | Path) -> Defaults:
    """The top level's defaults of a feeds.yaml (mirror's own when it is missing or is
    not YAML); a value that is wrong, or names a ``${NAME}`` not set, is left at
    mirror's default."""
    where = _Where(Path(path))
    feed, config = FeedConfig(name="", url=""), Config(path=Path(path), archive=Path(),
                                                      feeds=())
    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        root = None
    if isinstance(root, yaml.MappingNode):
        top = _mapping(root, where, TOP_ONLY_KEYS + DEFAULT_KEYS)
        feed = _apply_defaults(feed, top, where)
        config = _apply_top(config, top, where)
    return Defaults(feed=feed, limits=config.limits, max_feed_bytes=config.max_feed_bytes)


def select_feeds(config: Config, names: Sequence[str] = (),
                 shard: tuple[int, int] | None = None) -> tuple[FeedConfig, ...]:
    """The feeds named (all when none is), and of those the K-th of N shards."""
    feeds = config.feeds
    if names:
        known = {feed.name: feed for feed in config.feeds}
        missing = [name for name in names if name not in known]
        if missing:
            raise ConfigError(f"--feed {missing[0]!r}: no such feed in {config.path.name} "
                              f"(feeds: {', '.join(known)})")
        feeds = tuple(known[name] for name in dict.fromkeys(names))
    if shard is not None:
        feeds = tuple(feed for feed in feeds if shard_of(feed.name, shard[1]) == shard[0])
    return feeds


def shard_of(name: str, shards: int) -> int:
    """The shard (1 to shards) a feed belongs to: stable, whatever else feeds.yaml holds."""
    return int(hashlib.sha1(name.encode("utf-8")).hexdigest(), 16) % shards + 1


def _config(path: Path, root: yaml.MappingNode, where: _Where) -> Config:
    top = _mapping(root, where, TOP_ONLY_KEYS + DEFAULT_KEYS)
    defaults = FeedConfig(name="", url="")
    defaults = _apply_defaults(defaults, top, where)
    feeds: tuple[FeedConfig, ...] = ()
    feeds_node = top.get("feeds")
    if feeds_node is None:
        where.note(where.error(root, "missing 'feeds': list the feeds to mirror"))
    elif not isinstance(feeds_node[1], yaml.SequenceNode):
        where.note(where.error(feeds_node[1], "'feeds' must be a list"))
    else:
        feeds = _feeds(feeds_node[1], defaults, where)
    archive = path.parent / "archive"
    with where.collecting():
        archive = _archive(path.parent, top.get("archive"), where)
    config = Config(path=path, archive=archive, feeds=feeds)
    return _apply_top(config, top, where)


def _mapping(node: yaml.Node, where: _Where,
             allowed: tuple[str, ...]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """The keys of a mapping node; unknown and duplicate keys are collected as problems
    and left out."""
    if not isinstance(node, yaml.MappingNode):
        raise where.error(node, "expected a mapping of keys to values")
    seen: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            where.note(where.error(key_node, "keys must be plain names"))
        elif key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            where.note(where.error(key_node, f"unknown key '{key}'{suggestion}"))
        elif key in seen:
            where.note(where.error(key_node, f"duplicate key '{key}'"))
        else:
            seen[key] = (key_node, value_node)
    return seen


def _feeds(node: yaml.SequenceNode, defaults: FeedConfig, where: _Where) -> tuple[FeedConfig, ...]:
    feeds: list[FeedConfig] = []
    names: set[str] = set()
    for item in node.value:
        with where.collecting():
            feed = _feed(item, defaults, where, names)
            if feed is not None:
                feeds.append(feed)
    return tuple(feeds)


def _feed(item: yaml.Node, defaults: FeedConfig, where: _Where,
          names: set[str]) -> FeedConfig | None:
    """One feed of the list; None when its name or URL is missing or wrong (every other
    key is read all the same, for its problems)."""
    keys = _mapping(item, where, FEED_ONLY_KEYS + DEFAULT_KEYS)
    name = url = None
    for required in FEED_ONLY_KEYS:
        if required not in keys:
            where.note(where.error(item, f"feed without '{required}'"))
    if "name" in keys:
        with where.collecting():
            name = _text(keys["name"][1], where, "name")
            if name in names:
                raise where.error(keys["name"][1], f"duplicate feed name '{name}'")
            names.add(name)
    if "url" in keys:
        with where.collecting():
            url = _url(keys["url"][1], where, "url")
    feed = _apply_defaults(replace(defaults, name=name or "", url=url or "",
                                   line=item.start_mark.line + 1), keys, where)
    if name is None or url is None:
        return None
    return replace(feed, tags=feed.tags or (name,), categories=feed.categories or (name,))


def _apply_defaults(feed: FeedConfig, keys: dict[str, tuple[yaml.Node, yaml.Node]],
                    where: _Where) -> FeedConfig:
    """Apply the keys a feed (or the top level, as defaults) may set."""
    return replace(feed, **_read(keys, FEED_READERS, where))


def _apply_top(config: Config, keys: dict[str, tuple[yaml.Node, yaml.Node]],
               where: _Where) -> Config:
    values = _read(keys, TOP_READERS, where)
    if "video_hosts" in values:
        values["video_hosts"] = DEFAULT_VIDEO_HOSTS + values["video_hosts"]
    return replace(config, **values)


def _read(keys: dict[str, tuple[yaml.Node, yaml.Node]], readers: dict[str, Reader],
          where: _Where) -> dict[str, Any]:
    """The values of these keys that have a reader; a value that is wrong is a problem
    collected, and left out."""
    values: dict[str, Any] = {}
    for key, (_, value) in keys.items():
        if key in readers:
            with where.collecting():
                values[key] = readers[key](value, where, key)
    return values


def _archive(root: Path, entry: tuple[yaml.Node, yaml.Node] | None, where: _Where) -> Path:
    if entry is None:
        return root / "archive"
    node = entry[1]
    relative = _text(node, where, "archive")
    archive = (root / relative).resolve()
    if not archive.is_relative_to(root):
        raise where.error(node, f"archive '{relative}' is outside the repository ({root})")
    if archive.exists() and not archive.is_dir():
        raise where.error(node, f"archive '{relative}' is a file, not a folder")
    return archive


def _scalar(node: yaml.Node, where: _Where, key: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise where.error(node, f"'{key}' must be a single value")
    return _construct(node, where, key)


def _construct(node: yaml.ScalarNode, where: _Where, key: str) -> Any:
    """The Python value of a scalar node, as a YAML loader would give it, once its
    ``${NAME}`` are read from the environment."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(_expand(node, where, loader), deep=True)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError) as exc:
        reason = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        raise where.error(node, f"'{key}': cannot read {node.value!r} ({reason})") from None
    finally:
        loader.dispose()


def _expand(node: yaml.ScalarNode, where: _Where,
            resolver: yaml.resolver.BaseResolver) -> yaml.ScalarNode:
    """The node with each ``${NAME}`` replaced by that environment variable.

    A plain value is typed by what it expands to (``retries: ${RETRIES}`` is a number,
    an empty ``proxy: ${PROXY}`` is no proxy), as if it had been written so."""
    if "${" not in node.value:
        return node

    def variable(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name = match.group(1)
        if name is None:
            raise where.error(node, "'${' without its '}' (write $${ for a literal ${)")
        if not VARIABLE_NAME.fullmatch(name):
            raise where.error(node, f"${{{name}}}: not an environment variable's name")
        if name not in os.environ:
            raise where.error(node, f"${{{name}}} is not set")
        return os.environ[name]

    value = VARIABLE.sub(variable, node.value)
    tag = node.tag
    implicit = resolver.resolve(yaml.ScalarNode, node.value, (True, False)) == node.tag
    if node.style is None and implicit:
        tag = resolver.resolve(yaml.ScalarNode, value, (True, False))
    return yaml.ScalarNode(tag, value, node.start_mark, node.end_mark, node.style)


def _text(node: yaml.Node, where: _Where, key: str) -> str:
    value = _scalar(node, where, key)
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise where.error(node, f"'{key}' must be text")
    text = str(value).strip()
    if not text:
        raise where.error(node, f"'{key}' must not be empty")
    return text


def _optional_text(node: yaml.Node, where: _Where, key: str) -> str | None:
    if isinstance(node, yaml.ScalarNode) and _construct(node, where, key) in (None, ""):
        return None
    return _text(node, where, key)


def _text_list(node: yaml.Node, where: _Where, key: str) -> tuple[str, ...]:
    if isinstance(node, yaml.SequenceNode):
        return tuple(_text(item, where, key) for item in node.value)
    return (_text(node, where, key),)


def _url(node: yaml.Node, where: _Where, key: str) -> str:
    url = _text(node, where, key)
    if not ada_url.check_url(url) or ada_url.URL(url).protocol not in ("http:", "https:"):
        raise where.error(node, f"'{key}' must be an http:// or https:// URL, not "
                                f"{redact(url)!r}")
    return url


def _verbatim(node: yaml.Node, where: _Where, key: str) -> str:
    """A value as written (``${NAME}`` read), never typed: a password ``0123`` or
    ``yes`` stays that text. Its messages never repeat it: it may be a secret."""
    if not isinstance(node, yaml.ScalarNode):
        raise where.error(node, f"'{key}' must be a single value")
    loader = yaml.SafeLoader("")
    try:
        expanded = _expand(node, where, loader)
    finally:
        loader.dispose()
    text = expanded.value.strip()
    if not text or expanded.tag == "tag:yaml.org,2002:null":
        raise where.error(node, f"'{key}' must not be empty")
    if CONTROL.search(text):
        raise where.error(node, f"'{key}' must be one line of text, without control characters")
    return text


def _is_null(node: yaml.Node, where: _Where, key: str) -> bool:
    """``key:``, ``key: null`` or ``key: false``: the feed turns off a top-level default."""
    if not isinstance(node, yaml.ScalarNode):
        return False
    value = _construct(node, where, key)
    return value is None or value is False or value == ""


def _named_values(node: yaml.Node, where: _Where, key: str, what: str,
                  check: Callable[[str, str, yaml.Node, yaml.Node], None],
                  ) -> tuple[tuple[str, str], ...]:
    """A mapping of names (of headers, of cookies) to values, in the order written;
    ``check`` raises the error of a name or value that cannot be sent."""
    if _is_null(node, where, key):
        return ()
    if not isinstance(node, yaml.MappingNode):
        raise where.error(node, f"'{key}' must be a mapping of {what} names to values, "
                                f"such as {{Name: value}}")
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name_node, value_node in node.value:
        name = name_node.value if isinstance(name_node, yaml.ScalarNode) else None
        if not isinstance(name, str) or not TOKEN.fullmatch(name):
            raise where.error(name_node, f"'{key}': {name!r} is not a {what} name")
        if name.lower() in seen:
            raise where.error(name_node, f"'{key}': duplicate {what} '{name}'")
        seen.add(name.lower())
        value = _verbatim(value_node, where, f"{key}: {name}")
        check(name, value, name_node, value_node)
        pairs.append((name, value))
    return tuple(pairs)


def _headers(node: yaml.Node, where: _Where, key: str) -> tuple[tuple[str, str], ...]:
    def check(name: str, _: str, name_node: yaml.Node, __: yaml.Node) -> None:
        if name.lower() in MANAGED_HEADERS:
            instead = MANAGED_HEADERS[name.lower()]
            hint = f"use '{instead}'" if instead else "mirror sets it itself"
            raise where.error(name_node, f"'{key}': {name} cannot be set here ({hint})")

    return _named_values(node, where, key, "header", check)


def _cookies(node: yaml.Node, where: _Where, key: str) -> tuple[tuple[str, str], ...]:
    def check(name: str, value: str, _: yaml.Node, value_node: yaml.Node) -> None:
        if ";" in value:
            raise where.error(value_node, f"'{key}': the value of {name} cannot hold ';'")

    return _named_values(node, where, key, "cookie", check)


def _auth(node: yaml.Node, where: _Where, key: str) -> Auth | None:
    """``{user: ..., password: ...}`` (basic) or ``{bearer: ...}``; null: none."""
    if _is_null(node, where, key):
        return None
    if not isinstance(node, yaml.MappingNode):
        raise where.error(node, f"'{key}' must be {{user: ..., password: ...}} or "
                                "{bearer: ...}")
    keys = _mapping(node, where, AUTH_KEYS)
    if "bearer" in keys:
        if "user" in keys or "password" in keys:
            raise where.error(node, f"'{key}' is either {{user: ..., password: ...}} or "
                                    "{bearer: ...}, not both")
        return Auth(bearer=_verbatim(keys["bearer"][1], where, "bearer"))
    if "user" not in keys:
        raise where.error(node, f"'{key}' needs 'user' (and 'password') or 'bearer'")
    user = _verbatim(keys["user"][1], where, "user")
    if ":" in user:
        raise where.error(keys["user"][1], "'user' cannot hold ':' (basic auth joins user "
                                           "and password with it)")
    password = _verbatim(keys["password"][1], where, "password") if "password" in keys else ""
    return Auth(user=user, password=password)


def _proxy(node: yaml.Node, where: _Where, key: str) -> str | None:
    if _is_null(node, where, key):
        return None
    proxy = _text(node, where, key)
    try:
        parts = urlsplit(proxy)
        valid = parts.scheme.lower() in PROXY_SCHEMES and bool(parts.hostname) and \
            parts.path in ("", "/") and (parts.port is None or parts.port > 0)
    except ValueError:
        valid = False
    if not valid:
        raise where.error(node, f"'{key}' must be a URL such as http://proxy.example:3128 "
                                f"(http, https, socks5 or socks5h), not {redact(proxy)!r}")
    if parts.scheme.lower().startswith("socks") and find_spec("socksio") is None:
        raise where.error(node, f"'{key}': socks5 proxies need the socksio package "
                                "(pip install 'httpx[socks]')")
    return proxy


def _choice(*choices: str) -> Callable[[yaml.Node, _Where, str], str]:
    def read(node: yaml.Node, where: _Where, key: str) -> str:
        value = _text(node, where, key)
        if value not in choices:
            raise where.error(node, f"'{key}' must be one of {', '.join(choices)}, not {value!r}")
        return value
    return read


def parse_duration(text: str) -> float | None:
    """Seconds in '90', '30s', '15m', '1h30m'; None when it is not a duration."""
    text = text.strip().lower()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) else None
    match = DURATION.fullmatch(text)
    if not text or not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _duration(node: yaml.Node, where: _Where, key: str) -> float:
    value = _scalar(node, where, key)
    seconds = parse_duration(str(value)) if not isinstance(value, bool) else None
    if seconds is None or seconds < 0:
        raise where.error(node, f"'{key}' must be a duration such as 30s, 15m or 1h, "
                                f"not {value!r}")
    least = LEAST_DURATION.get(key, 0.0)
    if seconds < least:
        raise where.error(node, f"'{key}' must be at least {least:g}s, not {value!r}")
    return seconds


def _size(node: yaml.Node, where: _Where, key: str) -> int:
    value = str(_scalar(node, where, key))
    match = SIZE.fullmatch(value.strip())
    if not match:
        raise where.error(node, f"'{key}' must be a size such as 10MB, not {value!r}")
    return int(float(match.group(1)) * SIZE_UNITS[(match.group(2) or "b").lower()])


def _number(node: yaml.Node, where: _Where, key: str, minimum: int) -> int:
    value = _scalar(node, where, key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise where.error(node, f"'{key}' must be a whole number of at least {minimum}, "
                                f"not {value!r}")
    return value


def _positive_int(node: yaml.Node, where: _Where, key: str) -> int:
    return _number(node, where, key, 1)


def _count(node: yaml.Node, where: _Where, key: str) -> int:
    return _number(node, where, key, 0)


def _filename(node: yaml.Node, where: _Where, key: str) -> str:
    template = _text(node, where, key)
    try:
        parsed = [(name, spec, conversion) for _, name, spec, conversion
                  in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise where.error(node, f"'{key}': {exc}") from None
    if any(spec or conversion for _, spec, conversion in parsed):
        raise where.error(node, f"'{key}': fields take no format, write {{slug}}, not "
                                f"{template!r}")
    fields = {name for name, _, _ in parsed}
    unknown = fields - FILENAME_FIELDS
    if unknown:
        raise where.error(node, f"'{key}': unknown field {{{sorted(unknown)[0]}}}; use "
                                + ", ".join(f"{{{f}}}" for f in sorted(FILENAME_FIELDS)))
    parts = template.split("/")
    if ("slug" not in fields or template.startswith("/") or "\\" in template
            or any(p in ("", ".", "..") for p in parts) or not template.endswith(".md")):
        raise where.error(node, f"'{key}' must be a relative path ending in .md that "
                                "contains {slug}, such as {date}-{slug}.md")
    return template


def _author_line(node: yaml.Node, where: _Where, key: str) -> tuple[str, str]:
    text = _text(node, where, key)
    match = re.fullmatch(r"([^<>]+) <([^<>\s]+)>", text)
    if not match:
        raise where.error(node, f"'{key}' must look like 'Name <email>', not {text!r}")
    return match.group(1).strip(), match.group(2)


def _index_pages(node: yaml.Node, where: _Where, key: str) -> IndexPages:
    if isinstance(node, yaml.ScalarNode) and _construct(node, where, key) is False:
        return IndexPages(enabled=False)
    keys = _mapping(node, where, INDEX_KEYS)
    pages = IndexPages()
    changes: dict[str, Any] = {}
    for name, (_, value) in keys.items():
        if name == "enabled":
            flag = _scalar(value, where, name)
            if not isinstance(flag, bool):
                raise where.error(value, "'enabled' must be true or false")
            changes[name] = flag
        elif name == "newest":
            changes[name] = _positive_int(value, where, name)
        elif name == "time_zone":
            changes[name] = _time_zone(value, where, name)
        else:
            changes[name] = _relative_path(value, where, name)
    return replace(pages, **changes)


def _time_zone(node: yaml.Node, where: _Where, key: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _text(node, where, key)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise where.error(node, f"'{key}': unknown time zone {name!r} "
                                "(use a name such as Asia/Taipei or UTC)") from None
    return name


def _relative_path(node: yaml.Node, where: _Where, key: str) -> str:
    text = _text(node, where, key)
    parts = text.replace("\\", "/").split("/")
    if text.startswith("/") or ".." in parts:
        raise where.error(node, f"'{key}' must be a path inside the repository, not {text!r}")
    return text


def _flag(node: yaml.Node, where: _Where, key: str) -> bool:
    value = _scalar(node, where, key)
    if not isinstance(value, bool):
        raise where.error(node, f"'{key}' must be true or false, not {value!r}")
    return value


def _age(node: yaml.Node, where: _Where, key: str) -> float:
    """A duration that may be given in days (``7d``); ``false`` or 0: never."""
    value = _scalar(node, where, key)
    if value is False:
        return 0.0
    text = str(value).strip().lower() if not isinstance(value, bool) else ""
    days = re.fullmatch(r"(\d+(?:\.\d+)?)d", text)
    seconds = float(days.group(1)) * 86400 if days else parse_duration(text)
    if seconds is None or seconds < 0:
        raise where.error(node, f"'{key}' must be a duration such as 7d or 12h, or false, "
                                f"not {value!r}")
    return seconds


Reader = Callable[[yaml.Node, _Where, str], Any]
# What each key of feeds.yaml holds: a feed's keys (also defaults at the top level) ...
FEED_READERS: dict[str, Reader] = {
    "content": _choice("auto", "feed", "page"),
    "format": _choice("jekyll", "markdown"),
    "tags": _text_list,
    "categories": _text_list,
    "author": _optional_text,
    "image_proxy": _optional_text,
    "timeout": _duration,
    "every": _duration,
    "filename": _filename,
    "user_agent": _optional_text,
    "robots": _choice("obey", "ignore"),
    "headers": _headers,
    "cookies": _cookies,
    "auth": _auth,
    "proxy": _proxy,
    "images": _choice("link", "keep"),
    "keep_pages": _flag,
    "watch": _age,
    "watch_every": _duration,
    "wayback": _flag,
}
# ... and the keys only the top level has.
TOP_READERS: dict[str, Reader] = {
    "per_host": _positive_int,
    "max_connections": _positive_int,
    "delay": _duration,
    "retries": _count,
    "max_retry_after": _duration,
    "run_timeout": _duration,
    "max_page_bytes": _size,
    "max_feed_bytes": _size,
    "video_hosts": _text_list,
    "commit_author": _author_line,
    "index_pages": _index_pages,
    "assets": _relative_path,
    "image_base": _optional_text,
    "max_image_bytes": _size,
    "max_run_image_bytes": _size,
    "raw": _relative_path,
    "wayback_url": _url,
    "wayback_every": _duration,
}
DEFAULT_KEYS = tuple(FEED_READERS)
TOP_ONLY_KEYS = ("archive", "feeds", *TOP_READERS)
