"""Readings held between analysis and making: the first few in memory, the rest on disk, each
given back as it was, in the process that held it and in a process forked from it."""

from __future__ import annotations

import os

from epistola.engine.spill import Spill


def test_values_past_the_room_are_given_back_equal_and_let_go_when_popped():
    held: Spill[dict] = Spill(room=2)
    values = {f"l{i}": {"id": i, "text": "x" * i, "notes": [(i, "n")]} for i in range(50)}
    for key, value in values.items():
        held[key] = value
    assert len(held) == 50 and "l49" in held
    assert held.get("l1") is values["l1"]  # (in memory: the object itself)
    assert held.get("l30") == values["l30"] and held.get("l30") is not values["l30"]
    held["l30"] = {"id": 30, "text": "again"}  # (set again: the new value)
    assert held.get("l30") == {"id": 30, "text": "again"}
    assert held.pop("l40") == values["l40"] and "l40" not in held and held.get("l40") is None
    assert held.pop("nothing", "default") == "default"


def test_a_forked_process_reads_what_was_spilled_before_and_spills_into_a_file_of_its_own():
    held: Spill[str] = Spill(room=1)
    held["a"], held["b"] = "first", "second"
    child = os.fork()
    if child == 0:
        held["c"] = "third"  # (its own file: the parent's is read only)
        ok = (held.get("b"), held.get("c")) == ("second", "third")
        os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert status == 0
    held["d"] = "fourth"
    assert [held.get(k) for k in "abcd"] == ["first", "second", None, "fourth"]


def test_a_full_disk_names_the_folder_the_readings_wait_in(tmp_path, monkeypatch):
    import errno

    import pytest

    held: Spill[str] = Spill(room=0, folder=tmp_path)

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "pwrite", full)
    with pytest.raises(OSError) as raised:
        held["a"] = "text"
    assert raised.value.filename == str(tmp_path)
