"""The one writer: in-place files spliced from the file as it stands, and a large file it
replaced freed once the site is live, never left behind in the site."""

from __future__ import annotations

import threading

import pytest

from epistola.engine import writer as writers
from epistola.engine.writer import Writer


def test_a_spliced_file_is_its_ranges_and_new_bytes_in_order_and_appears_only_at_commit(tmp_path):
    site = tmp_path / "site"
    (site / "data").mkdir(parents=True)
    old = b"[" + b",".join(b"%05d" % i for i in range(2000)) + b"]"
    (site / "data" / "all.json").write_bytes(old)
    w = Writer(site, staged=False)
    start = old.index(b"00100")
    w.put_spliced("data/all.json", [(0, start), b"CHANGED", (start + 5, len(old) - start - 5)])
    assert (site / "data" / "all.json").read_bytes() == old  # (not yet)
    w.commit()
    w.tidy()
    assert (site / "data" / "all.json").read_bytes() == old.replace(b"00100", b"CHANGED")
    with pytest.raises(ValueError):
        Writer(tmp_path / "other", staged=True).put_spliced("data/all.json", [b"x"])


def test_a_large_file_replaced_in_place_is_freed_after_commit_and_leaves_nothing(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    big = site / "letters.json"
    big.write_bytes(b"a" * (writers.LARGE + 10))
    old_inode = big.stat().st_ino
    started: list[threading.Thread] = []
    real_thread = threading.Thread

    def thread(*args, **kwargs):
        started.append(real_thread(*args, **kwargs))
        return started[-1]
    monkeypatch.setattr(writers.threading, "Thread", thread)
    w = Writer(site, staged=False)
    w.put("letters.json", b"b" * (writers.LARGE + 20))
    w.put("small.html", b"<p>small</p>")
    w.commit()
    aside = site / f"letters.json{writers.DISPLACED}"
    assert aside.stat().st_ino == old_inode  # the old bytes kept by a link until tidy
    assert big.read_bytes() == b"b" * (writers.LARGE + 20)
    w.tidy()
    for t in started:
        t.join()
    assert len(started) == 1
    assert sorted(p.name for p in site.iterdir()) == ["letters.json", "small.html"]


def test_a_link_left_by_a_stopped_build_is_replaced_not_kept(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "letters.json").write_bytes(b"a" * (writers.LARGE + 1))
    (site / f"letters.json{writers.DISPLACED}").write_bytes(b"stale")
    w = Writer(site, staged=False)
    w.put("letters.json", b"c" * (writers.LARGE + 1))
    w.commit()
    w.tidy()
    for t in threading.enumerate():
        if t is not threading.current_thread() and not t.daemon:
            t.join(timeout=10)
    assert sorted(p.name for p in site.iterdir()) == ["letters.json"]


@pytest.mark.parametrize("kernel", ["refuses", "missing"])
def test_a_splice_reads_and_writes_where_the_kernel_cannot_copy(tmp_path, monkeypatch, kernel):
    import errno
    import os

    if kernel == "missing":
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    else:
        def refuse(*args):
            raise OSError(errno.EXDEV, "cross-device")
        monkeypatch.setattr(os, "copy_file_range", refuse)
    site = tmp_path / "site"
    site.mkdir()
    old = bytes(range(256)) * 300
    (site / "all.bin").write_bytes(old)
    w = Writer(site, staged=False)
    w.put_spliced("all.bin", [(0, 1000), b"NEW", (2000, len(old) - 2000)])
    w.commit()
    assert (site / "all.bin").read_bytes() == old[:1000] + b"NEW" + old[2000:]
