"""The one writer: files made of ranges of other files (the file as it stands, the spool files
of the pieces), and a large file it replaced freed once the site is live, never left behind in
the site."""

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
    here = str(site / "data" / "all.json")
    w.put_parts("data/all.json",
                [(here, 0, start), b"CHANGED", (here, start + 5, len(old) - start - 5)])
    assert (site / "data" / "all.json").read_bytes() == old  # (not yet)
    w.commit()
    w.tidy()
    assert (site / "data" / "all.json").read_bytes() == old.replace(b"00100", b"CHANGED")


@pytest.mark.parametrize("staged", [True, False])
def test_spooled_pieces_are_joined_from_every_process_spool_and_the_spools_go_with_the_build(
        tmp_path, staged):
    import os

    site = tmp_path / "site"
    site.mkdir()
    w = Writer(site, staged=staged)
    first = w.spool(b"[alpha")
    second = w.spool(b"beta]")
    child = os.fork()
    if child == 0:  # (a worker process spools into a file of its own)
        worker = Writer(*w.spec(), fresh=False)
        os._exit(0 if worker.spool(b"gamma") == (str(writers._spool_folder(site) / str(os.getpid())), 0, 5)
                 else 1)
    _, status = os.waitpid(child, 0)
    assert status == 0
    from_child = (str(writers._spool_folder(site) / str(child)), 0, 5)
    w.put_parts("all.json", [first, b",", from_child, b",", second])
    w.commit()
    assert (site / "all.json").read_bytes() == b"[alpha,gamma,beta]"
    w.tidy()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no spool, no staging left
    again = Writer(site, staged=False)
    again.spool(b"left by a stopped build")
    again.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


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
    here = str(site / "all.bin")
    w.put_parts("all.bin", [(here, 0, 1000), b"NEW", (here, 2000, len(old) - 2000)])
    w.commit()
    assert (site / "all.bin").read_bytes() == old[:1000] + b"NEW" + old[2000:]
