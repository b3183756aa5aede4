"""The decider: every policy of a run, tested with a fake ``now`` (no sleeps, no state files)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from mirror import decide
from mirror.models import (
    Entry,
    FeedConfig,
    FeedMemory,
    Outcome,
    Pending,
    Plan,
    Polled,
    PollFailure,
    Written,
)
from mirror.urls import identity

DAY = 86_400_000
NOW = 1_700_000_000_000
A = FeedConfig(name="a", url="https://a.example/feed", every=3600.0)
B = FeedConfig(name="b", url="https://b.example/feed", every=600.0)


def entry(n: int, feed: str = "a", guid: str | None = None) -> Entry:
    return Entry(feed=feed, link=f"https://news.example/{n}", title=f"t{n}", guid=guid)


@dataclass
class Known:
    links: set[str] = field(default_factory=set)

    def is_known(self, e: Entry) -> bool:
        return identity(e.link) in self.links


def polled(feed: FeedConfig, *entries: Entry, **more: object) -> Polled:
    return Polled(feed=feed, entries=entries, **more)  # type: ignore[arg-type]


def test_new_and_known_entries_in_feed_order() -> None:
    known = Known({identity(entry(2).link)})
    [plan] = decide.plan([polled(A, entry(1), entry(2), entry(3))], {}, known, NOW)
    assert [e.link for e in plan.new] == [entry(1).link, entry(3).link]
    assert plan.known == 1 and plan.error is None and not plan.overdue


def test_an_entry_two_feeds_carry_is_taken_once_by_the_first() -> None:
    plans = decide.plan([polled(A, entry(1)), polled(B, entry(1, "b"), entry(2, "b"))],
                        {}, Known(), NOW)
    assert [len(p.new) for p in plans] == [1, 1]
    assert plans[1].new[0].link == entry(2).link


def test_pending_entries_are_tried_again_even_when_the_feed_answers_304() -> None:
    memory = {"a": FeedMemory(url=A.url, pending=(Pending(entry(7), NOW - DAY),))}
    [plan] = decide.plan([polled(A, not_modified=True)], memory, Known(), NOW)
    assert [e.link for e in plan.new] == [entry(7).link]
    assert plan.not_modified and not plan.overdue


def test_a_week_pending_makes_an_entry_overdue_for_its_summary() -> None:
    waiting = (Pending(entry(1), NOW - 7 * DAY), Pending(entry(2), NOW - 7 * DAY + 1))
    memory = {"a": FeedMemory(url=A.url, pending=waiting)}
    [plan] = decide.plan([polled(A)], memory, Known(), NOW)
    assert plan.overdue == {entry(1).link}


def test_a_pending_entry_archived_meanwhile_is_known() -> None:
    memory = {"a": FeedMemory(pending=(Pending(entry(1), NOW - 8 * DAY),))}
    [plan] = decide.plan([polled(A)], memory, Known({identity(entry(1).link)}), NOW)
    assert plan.new == () and plan.known == 1 and plan.overdue == frozenset()


def test_one_guid_for_different_articles_makes_the_feed_go_by_links() -> None:
    first = decide.plan([polled(A, entry(1, guid="g"), entry(2, guid="g"))], {}, Known(), NOW)
    assert first[0].guids_unreliable and len(first[0].new) == 2
    assert all(e.guid is None for e in first[0].new)
    assert first[0].notes == (decide.UNRELIABLE_NOTE,)
    memory = {"a": FeedMemory(guids_unreliable=True)}
    later = decide.plan([polled(A, entry(3, guid="h"))], memory, Known(), NOW)
    assert later[0].new[0].guid is None and later[0].notes == ()


def test_a_failed_poll_plans_nothing_and_keeps_the_pending() -> None:
    before = FeedMemory(url=B.url, pending=(Pending(entry(1, "b"), NOW),))
    [plan] = decide.plan([PollFailure(B, "HTTP 503", retry_after=900.0)], {"b": before},
                         Known(), NOW)
    assert plan.error == "HTTP 503" and plan.new == ()
    report = decide.report(plan, Outcome())
    after = decide.remember(plan, Outcome(), report, before, NOW)
    assert after.pending == before.pending and after.result == "failed: HTTP 503"
    assert after.retry_after == 900.0
    assert NOW + 900_000 <= after.next_poll_ms <= NOW + 990_000  # Retry-After over `every`


def test_what_is_remembered_for_the_next_run() -> None:
    plan = Plan(feed=A, polled=polled(A, etag='"x"', min_interval=7200.0),
                new=(entry(1), entry(2)))
    outcome = Outcome(written=(Written(entry(1), "p.md"),), failed=((entry(2), "later"),))
    before = FeedMemory(pending=(Pending(entry(2), NOW - DAY),))
    report = decide.report(plan, outcome)
    after = decide.remember(plan, outcome, report, before, NOW)
    assert after.etag == '"x"' and after.url == A.url and after.last_poll_ms == NOW
    assert after.pending == (Pending(entry(2), NOW - DAY),)  # the first failure's time stays
    assert after.result == "1 new, 1 failed" and after.new == 1
    assert NOW + 7_200_000 <= after.next_poll_ms <= NOW + 7_920_000  # <ttl> over `every`


def test_a_304_keeps_the_interval_the_feed_gave_last() -> None:
    plan = Plan(feed=A, polled=polled(A, not_modified=True))
    before = FeedMemory(url=A.url, min_interval=10_800.0)
    after = decide.remember(plan, Outcome(), decide.report(plan, Outcome()), before, NOW)
    assert after.min_interval == 10_800.0 and after.result == "not modified"


def test_no_feed_waits_more_than_a_week() -> None:
    plan = Plan(feed=A, polled=polled(A, min_interval=30 * 86_400.0))
    after = decide.remember(plan, Outcome(), decide.report(plan, Outcome()), FeedMemory(), NOW)
    assert after.next_poll_ms <= NOW + 7 * DAY * 1.1


def test_jitter_is_the_same_for_the_same_inputs_and_spreads_feeds() -> None:
    plans = [Plan(feed=replace(A, name=f"f{i}"), polled=polled(A)) for i in range(20)]
    times = {decide.remember(p, Outcome(), decide.report(p, Outcome()), FeedMemory(),
                             NOW).next_poll_ms for p in plans}
    again = {decide.remember(p, Outcome(), decide.report(p, Outcome()), FeedMemory(),
                             NOW).next_poll_ms for p in plans}
    assert times == again and len(times) > 10


def test_an_interrupted_feed_keeps_its_untried_entries_pending() -> None:
    plan = Plan(feed=A, polled=polled(A), new=(entry(1), entry(2)))
    outcome = Outcome(written=(Written(entry(1), "p.md"),), complete=False)
    after = decide.remember(plan, outcome, decide.report(plan, outcome), FeedMemory(), NOW)
    assert [p.entry for p in after.pending] == [entry(2)]
    assert after.result == "1 new, interrupted"


def test_posts_a_push_found_remotely_count_as_known() -> None:
    plan = Plan(feed=A, polled=polled(A), new=(entry(1), entry(2)), known=3)
    outcome = Outcome(written=(Written(entry(1), "1.md"), Written(entry(2), "2.md", "a note")))
    report = decide.report(plan, outcome, dropped=1)
    assert (report.new, report.known, report.notes) == (1, 4, ("a note",))
    assert decide.report(plan, outcome, dropped=9).new == 0


def test_due_feeds_with_a_fake_now() -> None:
    polled_at = NOW - 1_000_000
    memory = {"a": FeedMemory(url=A.url, last_poll_ms=polled_at),
              "b": FeedMemory(url="https://moved.example/feed", last_poll_ms=polled_at)}
    names, wait = decide.due([A, B], memory, NOW)
    assert names == ("b",)  # b's URL changed: due at once
    assert 2600.0 <= wait <= 2600.0 + 360.0  # `every` (1 h) after the poll, plus jitter
    names, _ = decide.due([A], memory, polled_at + 3_960_000)
    assert names == ("a",)


def test_retry_after_and_ttl_hold_off_the_next_poll() -> None:
    memory = FeedMemory(url=B.url, last_poll_ms=NOW, retry_after=1800.0)
    assert decide.next_poll_ms(B, memory) >= NOW + 1_800_000
    memory = FeedMemory(url=B.url, last_poll_ms=NOW, min_interval=7200.0)
    assert decide.next_poll_ms(B, memory) >= NOW + 7_200_000


def test_a_shortened_every_takes_effect_at_once() -> None:
    memory = FeedMemory(url=A.url, last_poll_ms=NOW, next_poll_ms=NOW + 3_960_000)
    assert NOW + 60_000 <= decide.next_poll_ms(replace(A, every=60.0), memory) <= NOW + 66_000
    assert decide.next_poll_ms(A, None) is None
