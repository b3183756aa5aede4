"""Shared fixtures: the loopback guard, a fake internet on 127.0.0.1, throwaway git repos,
the mirror command (in this process, or as a child process for the journeys), one pool of
extraction workers for the in-process runs, and a wall clock moved by hand."""

from __future__ import annotations

import compileall
import concurrent.futures
import contextlib
import io
import itertools
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest

from tests.guard import sitecustomize as loopback_guard  # installs the guard here too
from tests.server import Site, serving

GUARD = Path(loopback_guard.__file__).parent

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED_EPOCH = "1700000000"


# The longest tests go first: spread over the cores (pyproject.toml: xdist), the suite then
# ends when the short ones run out, not with one long test still running alone.
LONGEST_FIRST = ("test_replay.py", "test_journeys.py", "test_style.py")  # style: mypy


def pytest_configure(config: pytest.Config) -> None:
    """Compile mirror once, before any test starts: with PYTHONDONTWRITEBYTECODE set (as
    on some CI runners), every ``python -m mirror`` the tests start would compile it anew."""
    if not hasattr(config, "workerinput"):  # the main process (xdist's workers come later)
        compileall.compile_dir(ROOT / "mirror", quiet=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)


def shared(*parts: str) -> Path:
    """A path under ../shared, skipping the test when the folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


_each_test = itertools.count()


@pytest.fixture(scope="session")
def _per_test_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every test's guard log and home: a file and a folder each, not two
    numbered temporary folders each (thousands of them, to be removed again later)."""
    return tmp_path_factory.mktemp("per-test")


@pytest.fixture(autouse=True)
def guard_log(_per_test_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    log = _per_test_folder / f"guard-{next(_each_test)}.log"
    monkeypatch.setenv("MIRROR_TEST_GUARD_LOG", str(log))
    yield log
    if log.exists() and log.read_text().strip():
        pytest.fail(f"a connection left 127.0.0.1: {log.read_text().strip()}")


@pytest.fixture(autouse=True)
def clean_env(_per_test_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No git identity, no proxies, no user config: the machine of a fresh CI runner."""
    home = _per_test_folder / f"home-{next(_each_test)}"
    home.mkdir()
    for key in list(os.environ):
        if (key.startswith(("GIT_", "MIRROR_")) and key != "MIRROR_TEST_GUARD_LOG") or \
                key.lower().endswith("_proxy") or key in ("SOURCE_DATE_EPOCH", "GITHUB_ACTIONS"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as fake:
        yield fake


@pytest.fixture
def other_site() -> Iterator[Site]:
    """A second host on 127.0.0.1 (another port): for what is kept per host."""
    with serving() as fake:
        yield fake


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository with no identity configured, as on a CI runner."""
    return new_repo(tmp_path / "repo")


def new_repo(path: Path) -> Path:
    """An empty git repository made at ``path`` (its branch: main)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    return path


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=path, check=True,
                          capture_output=True,
                          text=True).stdout


def commits(path: Path) -> int:
    result = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=path,
                            capture_output=True, text=True)
    return int(result.stdout.strip()) if result.returncode == 0 else 0


def write_config(path: Path, feeds: list[dict[str, object]], **top: object) -> Path:
    """feeds.yaml from Python values (JSON is valid YAML)."""
    import json

    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in top.items()]
    if not any(line.startswith("archive:") for line in lines):
        lines.insert(0, "archive: archive")
    lines.append("feeds:")
    for feed in feeds:
        first = True
        for key, value in feed.items():
            prefix = "  - " if first else "    "
            lines.append(f"{prefix}{key}: {json.dumps(value, ensure_ascii=False)}")
            first = False
    config = path / "feeds.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def mirror(cwd: Path, *args: str, epoch: str | None = SEED_EPOCH,
           env: dict[str, str] | None = None, timeout: float = 300,
           journey: bool = False) -> subprocess.CompletedProcess:
    """Run the mirror command: in this process (quick), or as a child process, guarded like
    this one, for the end-to-end journeys that must see the real command."""
    if journey:
        return subprocess.run([sys.executable, "-m", "mirror", *args], cwd=cwd,
                              env=child_env(epoch, env), capture_output=True, text=True,
                              timeout=timeout)
    return _in_process(cwd, list(args), epoch, env or {})


def child_env(epoch: str | None = SEED_EPOCH, env: dict[str, str] | None = None
              ) -> dict[str, str]:
    """The environment of a child Python process: this one's, with the loopback guard."""
    child = dict(os.environ)
    child["PYTHONPATH"] = os.pathsep.join([str(GUARD), str(ROOT)])
    child.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        child["SOURCE_DATE_EPOCH"] = epoch
    child.update(env or {})
    return child


def start_mirror(cwd: Path, *args: str, stderr: IO[str] | None = None,
                 new_session: bool = False) -> subprocess.Popen:
    """The command as a child process, left running; its standard error into a file when
    one is given, so that a test can watch it while it runs; in a session of its own when
    asked, so that a signal can reach it and its workers as a terminal's Ctrl-C does."""
    return subprocess.Popen([sys.executable, "-m", "mirror", *args], cwd=cwd, env=child_env(),
                            stdout=subprocess.PIPE, stderr=stderr or subprocess.PIPE,
                            text=True, start_new_session=new_session)


def run_python(cwd: Path, code: str) -> subprocess.CompletedProcess:
    """A child Python process running ``code`` (a command with a fault planted in it)."""
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=child_env(),
                          capture_output=True, text=True, timeout=300)


def _in_process(cwd: Path, args: list[str], epoch: str | None,
                env: dict[str, str]) -> subprocess.CompletedProcess:
    from mirror import cli

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        os.environ["SOURCE_DATE_EPOCH"] = epoch
    os.environ.update(env)
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(args)
            except SystemExit as done:  # --help, --version
                code = done.code if isinstance(done.code, int) else int(done.code is not None)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["mirror", *args], code, out.getvalue(), err.getvalue())


def posts(archive: Path) -> dict[str, str]:
    """The posts under a folder, by relative path; the generated index pages are not posts."""
    found = {}
    for path in sorted(archive.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("<!-- written by mirror"):
            found[path.relative_to(archive).as_posix()] = text
    return found


def wait_until(condition: Callable[[], object], timeout: float = 60.0,
               what: str = "the condition") -> None:
    """Poll a condition every few milliseconds: waiting on what happens, never on a clock
    margin, so that a busy machine only makes a test slower, not wrong."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g}s")
        time.sleep(0.02)


class FakeClock:
    """The wall clock as mirror sees it (``mirror.clock.wall_ms``), moved by hand."""

    def __init__(self, start_ms: int) -> None:
        self.ms = start_ms

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    from mirror import clock

    fake = FakeClock(clock.wall_ms())
    monkeypatch.setattr(clock, "wall_ms", lambda: fake.ms)
    return fake


# ---------------------------------------------------------------- extraction workers

class _SharedPool:
    """One pool of extraction workers for every in-process run of this test process.

    A run starts its own pool (``mirror.workers.Extractor``): processes that each spend
    about half a second of CPU loading the extractors. Dozens of in-process runs would
    pay that again and again, and with the tests spread over several processes they
    would start more workers than there are cores. The journeys (child processes) and
    the tests marked ``own_workers`` still start the real thing.
    """

    def __init__(self) -> None:
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def get(self) -> concurrent.futures.ProcessPoolExecutor:
        from mirror import workers

        if self._pool is None or getattr(self._pool, "_broken", False):
            # the cores this test process may use: all of them, or its share under xdist
            share = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=max(1, (os.cpu_count() or 1) // share),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=workers._prepare_worker)
        return self._pool

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def _shared_pool() -> Iterator[_SharedPool]:
    shared_pool = _SharedPool()
    yield shared_pool
    shared_pool.shutdown()


@pytest.fixture(autouse=True)
def one_pool_of_extraction_workers(request: pytest.FixtureRequest,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs share the session's extraction workers (see ``_SharedPool``)."""
    if request.node.get_closest_marker("own_workers"):
        return
    from mirror import workers

    shared_pool: _SharedPool = request.getfixturevalue("_shared_pool")

    def start(extractor: workers.Extractor) -> None:
        extractor._pool = shared_pool.get()

    async def close(extractor: workers.Extractor) -> None:
        extractor._pool = None  # the pool outlives the run

    monkeypatch.setattr(workers.Extractor, "start", start)
    monkeypatch.setattr(workers.Extractor, "close", close)
