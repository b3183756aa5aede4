"""WARC records: the same bytes for the same inputs, read back exactly, damage refused."""

from __future__ import annotations

import gzip

import pytest

from mirror.preserve import warc


def test_records_are_deterministic_and_read_back() -> None:
    block = warc.http_response(200, [("content-type", "text/html; charset=gbk")],
                               "<p>新闻</p>".encode("gbk"))
    one = warc.record("response", [("WARC-Date", "2023-11-14T22:13:20Z"),
                                   ("WARC-Target-URI", "https://n.example/1")],
                      block, "application/http;msgtype=response")
    assert one == warc.record("response", [("WARC-Date", "2023-11-14T22:13:20Z"),
                                           ("WARC-Target-URI", "https://n.example/1")],
                              block, "application/http;msgtype=response")
    assert one[4:8] == b"\x00\x00\x00\x00"  # no time in the gzip header
    two = warc.record("metadata", [], b"{}", "application/json")
    [first, second] = warc.read(one + two)
    assert first.field("warc-type") == "response" and first.block == block
    assert first.field("WARC-Block-Digest") == warc.digest(block)
    assert second.block == b"{}"
    assert warc.split_http(first.block) == (
        200, [("content-type", "text/html; charset=gbk"), ("Content-Length", "11")],
        "<p>新闻</p>".encode("gbk"))
    plain = gzip.decompress(one)
    assert plain.startswith(b"WARC/1.1\r\nWARC-Type: response\r\n") and plain.endswith(b"\r\n\r\n")


def test_ids_differ_with_what_they_identify() -> None:
    assert warc.record_id("a", "b") == warc.record_id("a", "b") != warc.record_id("a", "c")
    assert warc.record_id("a").startswith("<urn:uuid:")


@pytest.mark.parametrize("data", [  # mtime=0: the same test ids in every process (xdist)
    b"not a warc", gzip.compress(b"WARC/1.1\r\nA: b\r\n\r\n", mtime=0), b"\x1f\x8b\x08 cut",
    gzip.compress(b"WARC/1.1\r\nContent-Length: 10\r\n\r\nshort", mtime=0)])
def test_damage_is_refused(data: bytes) -> None:
    with pytest.raises(warc.WarcError):
        warc.read(data)
