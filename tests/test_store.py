"""Tests of impactlib.store: the append-only SQLite coding store."""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import signal
import sqlite3
import time

import openpyxl
import pandas as pd
import pytest

from impactlib.codebook import load_codebook
from impactlib.errors import StoreError, StoreLockedError, ValidationError
from impactlib.store import (
    CODE_COLUMNS,
    SCHEMA_VERSION,
    CodingStore,
    _DDL_V1,
    neutralise,
    open_store,
)

TEXTS = {
    "S1": "Ik ben niet meer eenzaam sinds de buurtkamer. Mijn buren zien me nu ook.",
    "S2": "De huiswerkklas hielp niet; mijn cijfers bleven slecht.",
    "S3": "=HYPERLINK(\"http://evil\") zei de vrijwilliger, die overbelast raakte.",
}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def stories_df() -> pd.DataFrame:
    return pd.DataFrame(
        {"story_id": list(TEXTS), "text": list(TEXTS.values()), "activity": ["Buurtkamer De Linde", "Huiswerkklas Oost", "Mantelzorgcafé"],
         "collected_on": pd.to_datetime(["2024-03-01", "2024-05-02", None])}
    )


def suggestions_df() -> pd.DataFrame:
    return pd.DataFrame(
        {"story_id": ["S1", "S2", "S3"], "valence": ["positive", "negative", "negative"],
         "intentionality": ["intended", "intended", ""], "directness": ["direct", "direct", "indirect"],
         "valence_confidence": [0.9, 0.55, 0.7], "intentionality_confidence": [0.8, 0.6, None],
         "directness_confidence": [0.7, 0.52, 0.65], "evidence": ["niet meer eenzaam (negatie)", "hielp niet", "overbelast"]}
    )


@pytest.fixture()
def store(tmp_path):
    with open_store(tmp_path / "project" / "impactlib.sqlite") as s:
        s.register_codebook(load_codebook())
        s.add_stories(stories_df())
        yield s


# --------------------------------------------------------------------------- basics
def test_new_store_has_schema_wal_and_tables(tmp_path):
    path = tmp_path / "s.sqlite"
    with CodingStore(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.journal_mode == "wal"
        assert s.integrity_check() == "ok"
    con = sqlite3.connect(path)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    assert {"stories", "codebook_versions", "coders", "codings", "current_codings",
            "codings_no_update", "codings_no_delete"} <= names
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_stories_kept_with_attributes_and_changed_text_refused(store):
    got = store.stories()
    assert got["story_id"].tolist() == ["S1", "S2", "S3"]
    assert got.loc[0, "activity"] == "Buurtkamer De Linde"
    assert got.loc[0, "collected_on"].startswith("2024-03-01")
    assert store.add_stories(stories_df()) == 0  # same texts: nothing new
    changed = stories_df().assign(text=lambda d: d["text"] + "!")
    with pytest.raises(StoreError, match=r"3 story id\(s\) already in the store with a different text: S1, S2, S3"):
        store.add_stories(changed)


def test_register_codebook_is_idempotent_and_refuses_changed_content(store, tmp_path):
    cb = load_codebook()
    assert store.register_codebook(cb) == cb.version
    assert store.codebook_versions() == [cb.version]
    changed = cb.to_dict()
    changed["description"] = "iets anders"
    path = tmp_path / "cb.yaml"
    import yaml

    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(StoreError, match="already registered with different content.*new 'version'"):
        store.register_codebook(load_codebook(path))


# --------------------------------------------------------------------------- suggestions and decisions
def test_suggestions_accept_reject_edit_append_to_history(store):
    ids = store.add_suggestions(suggestions_df(), source="rules")
    assert len(ids) == 8  # S3 has no intentionality suggestion
    sugg = store.current(status="suggested", extra=True)
    assert list(sugg.columns[: len(CODE_COLUMNS)]) == list(CODE_COLUMNS)
    assert set(sugg["coder"]) == {"impactlib"} and set(sugg["source"]) == {"rules"}
    s1v = sugg[(sugg.story_id == "S1") & (sugg.dimension == "valence")]
    cid = int(s1v.index[0])
    assert s1v["confidence"].iloc[0] == pytest.approx(0.9)
    assert s1v["evidence"].iloc[0] == "niet meer eenzaam (negatie)"

    a = store.accept(cid, "coder_a")
    assert store.accept(cid, "coder_a") == a  # no-op: decision already stands
    e = store.edit(cid, "coder_b", "negatief", memo="eenzaamheid komt terug")  # Dutch label -> key
    r = store.reject(cid, "coder_a", memo="toch niet")
    hist = store.history("S1")
    mine = hist.loc[[a, e, r]]
    assert mine["status"].tolist() == ["accepted", "edited", "rejected"]
    assert mine["value"].tolist() == ["positive", "negative", "positive"]
    assert mine["source"].tolist() == ["rules", "human", "rules"]
    assert mine["supersedes"].tolist() == [cid, cid, cid]
    assert all(ISO_UTC.match(t) for t in hist["created_at"])

    cur = store.current(story_id="S1", dimension="valence")
    assert sorted(zip(cur.coder, cur.status, cur.value)) == [
        ("coder_a", "rejected", "positive"), ("coder_b", "edited", "negative"), ("impactlib", "suggested", "positive")]
    assert len(store.history()) == 8 + 3  # nothing overwritten
    assert set(store.coders()["coder"]) == {"impactlib", "coder_a", "coder_b"}


def test_edit_with_value_outside_codebook_is_refused(store):
    cid = store.add_suggestions(suggestions_df())[0]
    with pytest.raises(StoreError, match=r"'positve' is not a value of valence; use positive or negative"):
        store.edit(cid, "coder_a", "positve")
    with pytest.raises(StoreError, match="coding id 999 is not in the store"):
        store.accept(999, "coder_a")
    assert len(store.history()) == 8


def test_rerunning_the_tagger_appends_only_changes(store):
    first = store.add_suggestions(suggestions_df())
    assert store.add_suggestions(suggestions_df()) == []
    changed = suggestions_df()
    changed.loc[0, "valence"] = "negative"
    new = store.add_suggestions(changed)
    assert len(new) == 1
    ev = store.history().loc[new[0]]
    assert ev["value"] == "negative" and ev["supersedes"] == first[0]
    assert store.current(status="suggested", story_id="S1", dimension="valence")["value"].tolist() == ["negative"]


def test_segment_suggestions_and_levels(store):
    seg = pd.DataFrame({"story_id": ["S1", "S1"], "start": [0, 46], "end": [45, 72],
                        "valence": ["positive", "positive"], "directness": ["direct", "indirect"]})
    store.add_suggestions(seg, source="model")
    store.record("S1", "valence", "positive", "coder_a")
    assert len(store.current(level="segment")) == 4
    story_level = store.current(level="story")
    assert story_level[["story_id", "coder", "value"]].values.tolist() == [["S1", "coder_a", "positive"]]
    assert story_level["start"].isna().all() and str(story_level["start"].dtype) == "Int64"
    assert store.current(level="segment")["end"].tolist() == [45, 45, 72, 72]


def test_bad_suggestions_list_every_row_and_write_nothing(store):
    bad = pd.DataFrame({"story_id": ["S1", "S9", "S2", "S8"], "valence": ["positve", "positive", "positive", "negative"],
                        "start": [0, None, 10, None], "end": [500, None, 5, None]})
    with pytest.raises(ValidationError) as info:
        store.add_suggestions(bad)
    msg = str(info.value)
    assert "column 'value': 'positve' is not a value of valence; use positive or negative" in msg
    assert "span 0..500 does not fit story 'S1'" in msg
    assert "unknown story ids: S9, S8" in msg
    assert {(p.line, p.column) for p in info.value.problems} >= {(2, "value"), (2, "end"), (3, "story_id"), (4, "end")}
    assert store.history().empty


def test_record_needs_registered_codebook_version(store):
    with pytest.raises(ValidationError, match=r"codebook version '9.9' is not registered.*registered: 1.0.0"):
        store.record("S1", "valence", "positive", "coder_a", codebook_version="9.9")
    with pytest.raises(ValidationError, match=r"'mood' is not a dimension of codebook 1.0.0"):
        store.record("S1", "mood", "blij", "coder_a")
    cid = store.record("S1", "theme", "eenzaamheid", "coder_a", start=0, end=24)
    assert store.history().loc[cid, "dimension"] == "theme"


def test_history_is_append_only_at_database_level(store):
    store.add_suggestions(suggestions_df())
    con = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE codings SET value = 'negative'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM codings")
    con.close()
    assert len(store.history()) == 8


def test_queue_orders_least_certain_first_and_drops_decided(store):
    store.add_suggestions(suggestions_df())
    q = store.queue("coder_a")
    assert q["story_id"].tolist() == ["S2", "S3", "S1"]  # min confidence 0.52, 0.65, 0.7
    for cid in store.current(story_id="S2", status="suggested").index:
        store.accept(int(cid), "coder_a")
    assert store.queue("coder_a")["story_id"].tolist() == ["S3", "S1"]
    assert store.queue("coder_b", order="story_id")["story_id"].tolist() == ["S1", "S2", "S3"]
    assert store.queue()["story_id"].tolist() == ["S3", "S1"]  # no human has decided S2 any more
    assert store.queue(dimension="valence")["open"].tolist() == [1, 1]
    with pytest.raises(StoreError, match="order 'random' is not allowed"):
        store.queue(order="random")


# --------------------------------------------------------------------------- import / export
def test_import_codes_reports_every_bad_row(store, tmp_path):
    path = tmp_path / "codes_human.csv"
    path.write_text(
        "story_id,dimension,value,coder,status\n"
        "S1,valence,positive,coder_a,accepted\n"
        "S1,valence,positve,coder_a,accepted\n"
        "S7,directness,direct,coder_a,accepted\n"
        "S2,intentionality,bedoeld,,accepted\n"
        "S2,directness,indirect,coder_b,approved\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as info:
        store.import_codes(path)
    lines = str(info.value).splitlines()
    assert "codes_human.csv:3: column 'value': 'positve' is not a value of valence; use positive or negative (Dutch labels positief, negatief are accepted too)" in lines
    assert any(l.startswith("codes_human.csv:4: story_id 'S7' is not in the store") for l in lines)
    assert "codes_human.csv:5: column 'coder' is empty; every code needs its coder's name" in lines
    assert any(l.startswith("codes_human.csv:6: column 'status': 'approved' is not allowed") for l in lines)
    assert [(p.line, p.column, p.value) for p in info.value.problems][:2] == [(3, "value", "positve"), (5, "coder", None)]
    assert store.history().empty


def test_import_then_reimport_skips_exact_duplicates(store, tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text(
        "story_id;dimension;value;coder;created_at\n"
        "S1;valence;positief;coder_a;2025-03-01 10:00\n"
        "S2;valence;negative;coder_b;2025-03-01T11:00:00+01:00\n",
        encoding="utf-8",
    )
    first = store.import_codes(path)
    assert (first.inserted, first.skipped) == (2, 0)
    again = store.import_codes(path)
    assert (again.inserted, again.skipped) == (0, 2)
    cur = store.current()
    assert cur["value"].tolist() == ["positive", "negative"]
    assert cur["created_at"].tolist() == ["2025-03-01T10:00:00.000000Z", "2025-03-01T10:00:00.000000Z"]
    assert set(cur["source"]) == {"human"} and set(cur["codebook_version"]) == {"1.0.0"}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_neutralises_formulas_and_round_trips(store, tmp_path, suffix):
    store.add_suggestions(suggestions_df())
    cid = int(store.current(story_id="S3", dimension="valence").index[0])
    store.reject(cid, "coder_a", memo='=HYPERLINK("http://evil","klik")')
    store.record("S2", "valence", "negative", "@coder_c", memo="-5 punten\tminder")
    out = store.export_codes(tmp_path / f"codes{suffix}")
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(out)
        ws = wb["codes"]
        cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert not any(c.data_type == "f" for c in cells)
        assert not any(c.value.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
        assert "'=HYPERLINK(\"http://evil\",\"klik\")" in [c.value for c in cells]
        assert "'@coder_c" in [c.value for c in cells]
        assert "no story texts" in " ".join(str(c.value) for row in wb["info"].iter_rows() for c in row)
    else:
        text = out.read_text(encoding="utf-8")
        assert "'=HYPERLINK" in text and "'@coder_c" in text and "'-5 punten" in text
        assert not any(line.startswith(("=", "+", "-", "@")) for line in text.splitlines())
    with CodingStore(tmp_path / "copy.sqlite") as other:
        other.register_codebook(load_codebook())
        other.add_stories(stories_df())
        summary = other.import_codes(out)
        assert summary.inserted == len(store.current())
        mine = store.current().reset_index(drop=True)
        theirs = other.current().reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, theirs)
        assert "=HYPERLINK" in theirs["memo"].dropna().iloc[0][:10]


def test_neutralise_only_touches_text():
    assert neutralise("+31 6 12345678") == "'+31 6 12345678"
    assert neutralise("\rcmd") == "'\rcmd"
    assert neutralise(-1.5) == -1.5 and neutralise("a=b") == "a=b"


# --------------------------------------------------------------------------- merge
def test_merge_keeps_coders_and_skips_duplicates(tmp_path):
    cb = load_codebook()
    paths = []
    for coder, value in (("coder_a", "positive"), ("coder_b", "negative")):
        p = tmp_path / f"{coder}.sqlite"
        with CodingStore(p) as s:
            s.register_codebook(cb)
            s.add_stories(stories_df())
            ids = s.add_suggestions(suggestions_df())
            s.edit(ids[0], coder, value) if value == "negative" else s.accept(ids[0], coder)
            s.record("S2", "directness", "indirect", coder)
        paths.append(p)
    with CodingStore(paths[0]) as a:
        before = len(a.history())
        summary = a.merge(paths[1])
        with CodingStore(paths[1]) as b:
            assert summary.inserted == len(b.history())  # each store made its own suggestions
        assert summary.skipped == 0 and summary.stories == 0
        assert a.merge(paths[1]).inserted == 0  # second merge: all exact duplicates
        cur = a.current(story_id="S1", dimension="valence", status=["accepted", "edited"])
        assert sorted(zip(cur.coder, cur.value)) == [("coder_a", "positive"), ("coder_b", "negative")]
        hist = a.history()
        merged_edit = hist[(hist.coder == "coder_b") & (hist.status == "edited")].iloc[0]
        sup = hist.loc[int(merged_edit["supersedes"])]
        assert sup["coder"] == "impactlib" and int(sup.name) > before  # re-pointed into this store
        assert a.integrity_check() == "ok"


def test_merge_refuses_stores_with_different_texts(tmp_path):
    with CodingStore(tmp_path / "a.sqlite") as a, CodingStore(tmp_path / "b.sqlite") as b:
        for s, suffix in ((a, ""), (b, " (anders)")):
            s.register_codebook(load_codebook())
            s.add_stories(stories_df().assign(text=lambda d: d["text"] + suffix))
        b.record("S1", "valence", "positive", "coder_b")
        with pytest.raises(StoreError, match=r"3 story id\(s\) have a different text.*nothing was merged"):
            a.merge(b)
        assert a.history().empty


# --------------------------------------------------------------------------- versions, locks
def test_store_from_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    CodingStore(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.close()
    with pytest.raises(StoreError, match=rf"schema version {SCHEMA_VERSION + 5}, written by a newer impactlib.*Upgrade impactlib"):
        CodingStore(path)


def test_not_a_store(tmp_path):
    junk = tmp_path / "stories.csv"
    junk.write_text("story_id,text\nS1,hallo\n" * 50)
    with pytest.raises(StoreError, match="not an impactlib coding store"):
        CodingStore(junk)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE x(a)")
    con.close()
    with pytest.raises(StoreError, match="has tables but no impactlib schema version"):
        CodingStore(other)


def test_version_1_store_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    for stmt in _DDL_V1:
        con.execute(stmt)
    cb = load_codebook()
    import json

    con.execute("INSERT INTO stories VALUES ('S1', 'tekst', 'x', '{}', '2024-01-01T00:00:00.000000Z')")
    con.execute("INSERT INTO codebook_versions VALUES (?, ?, ?, '2024-01-01T00:00:00.000000Z')",
                (cb.version, cb.fingerprint(), json.dumps(cb.to_dict())))
    con.execute("INSERT INTO codings(story_id, dimension, value, coder, source, status, codebook_version, created_at) "
                "VALUES ('S1', 'valence', 'positive', 'coder_a', 'human', 'accepted', ?, '2024-02-01T00:00:00.000000Z')",
                (cb.version,))
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    with CodingStore(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.current()[["coder", "value"]].values.tolist() == [["coder_a", "positive"]]
        assert s.coders()[["coder", "kind"]].values.tolist() == [["coder_a", "human"]]
        cid = s.record("S1", "valence", "negative", "coder_a")
        assert s.history().loc[cid, "supersedes"] == 1
        with pytest.raises(sqlite3.IntegrityError):
            s._con.execute("DELETE FROM codings")


def test_locked_store_raises_after_timeout(store):
    holder = CodingStore(store.path, timeout=5)
    waiter = CodingStore(store.path, timeout=0.2)
    try:
        with holder.transaction():
            holder.record("S1", "valence", "positive", "coder_a")
            t = time.monotonic()
            with pytest.raises(StoreLockedError, match=r"locked by another writer \(waited 0.2 s"):
                waiter.record("S2", "valence", "negative", "coder_b")
            assert time.monotonic() - t >= 0.15
            # readers are not blocked by a writer (WAL)
            assert waiter.current().empty
        assert waiter.current()["coder"].tolist() == ["coder_a"]
    finally:
        holder.close()
        waiter.close()


# --------------------------------------------------------------------------- processes
def _writer(path: str, coder: str, n: int, start_evt) -> None:
    with CodingStore(path, timeout=30) as s:
        start_evt.wait(10)
        ids = s.add_suggestions(suggestions_df().assign(evidence=coder), coder=f"tagger_{coder}")
        for k in range(n):
            s.record(["S1", "S2", "S3"][k % 3], "theme", ["eenzaamheid", "schulden"][k % 2], coder, memo=str(k))
            if k % 10 == 0:
                s.accept(ids[k // 10], coder)


def _killed_writer(path: str, ready_evt) -> None:
    with CodingStore(path, timeout=30) as s:
        with s.transaction():
            s.add_suggestions(suggestions_df(), coder="half_batch")
            s.record("S1", "valence", "negative", "half_batch_human")
            ready_evt.set()
            time.sleep(60)  # killed here, mid-transaction


def _start_together(ctx, target, arg_lists, *, settle=0.5, timeout=120) -> list[int]:
    """Start one process per argument list, release them at once (an Event passed as the
    last argument), wait for all; return their exit codes."""
    start = ctx.Event()
    procs = [ctx.Process(target=target, args=(*args, start)) for args in arg_lists]
    for p in procs:
        p.start()
    time.sleep(settle)
    start.set()
    for p in procs:
        p.join(timeout)
    return [p.exitcode for p in procs]


def test_two_processes_writing_at_once_lose_nothing(store):
    n = 60
    codes = _start_together(mp.get_context("spawn"), _writer, [(str(store.path), c, n) for c in ("coder_a", "coder_b")])
    assert codes == [0, 0]
    hist = store.history()
    for c in ("coder_a", "coder_b"):
        recorded = hist[(hist.coder == c) & (hist.source == "human")]
        assert sorted(recorded["memo"].astype(int)) == list(range(n))
        assert len(hist[hist.coder == f"tagger_{c}"]) == 8
        assert len(hist[(hist.coder == c) & (hist.status == "accepted") & (hist.source == "rules")]) == 6
    assert hist.index.is_monotonic_increasing and hist.index.is_unique
    assert store.integrity_check() == "ok"


def test_killed_writer_leaves_consistent_store_without_partial_batch(store):
    store.add_suggestions(suggestions_df())  # committed before the crash
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    p = ctx.Process(target=_killed_writer, args=(str(store.path), ready))
    p.start()
    assert ready.wait(60), "writer did not start its transaction"
    os.kill(p.pid, signal.SIGKILL)
    p.join(10)
    assert p.exitcode == -signal.SIGKILL
    with CodingStore(store.path, timeout=2) as after:
        assert after.integrity_check() == "ok"
        hist = after.history()
        assert len(hist) == 8
        assert not hist["coder"].isin(["half_batch", "half_batch_human"]).any()
        after.record("S1", "valence", "positive", "coder_a")  # the lock was released
        assert len(after.history()) == 9


# --------------------------------------------------------------------------- CLI
def test_cli_import_export_merge_and_errors(tmp_path, capsys):
    from impactlib.cli import main

    stories = tmp_path / "stories.csv"
    stories_df().drop(columns=["collected_on"]).to_csv(stories, index=False)
    store = str(tmp_path / "s.sqlite")
    assert main(["store", "add-stories", str(stories), "--store", store]) == 0
    codes = tmp_path / "codes.csv"
    codes.write_text("verhaal_id,dimensie,waarde,codeur\nS1,valence,positief,coder_a\nS2,valence,negative,coder_a\n",
                     encoding="utf-8")
    assert main(["store", "import-codes", str(codes), "--store", store]) == 0
    assert "2 codings added, 0 exact duplicates skipped" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("story_id,dimension,value,coder\nS1,valence,positve,coder_b\nS9,valence,positive,coder_b\n")
    assert main(["store", "import-codes", str(bad), "--store", store]) == 1
    err = capsys.readouterr().err
    assert "bad.csv:2: column 'value': 'positve' is not a value of valence" in err
    assert "bad.csv:3: story_id 'S9' is not in the store" in err
    other = str(tmp_path / "b.sqlite")
    assert main(["store", "add-stories", str(stories), "--store", other]) == 0
    with CodingStore(other) as b:
        b.record("S3", "directness", "indirect", "coder_b", memo="=1+1")
    assert main(["store", "merge", other, "--store", store]) == 0
    assert "1 codings added, 0 exact duplicates skipped" in capsys.readouterr().out
    out = tmp_path / "export.xlsx"
    assert main(["store", "export-codes", "-o", str(out), "--store", store, "--status", "accepted"]) == 0
    ws = openpyxl.load_workbook(out)["codes"]
    values = [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert "'=1+1" in values and {"coder_a", "coder_b"} <= set(values)
    assert main(["store", "history", "--store", store, "--coder", "coder_b"]) == 0
    assert "indirect" in capsys.readouterr().out
    assert main(["store", "info", "--store", store]) == 0
    assert "3 stories, 3 coding events" in capsys.readouterr().out
    assert main(["store", "history", "--store", str(tmp_path / "typo.sqlite")]) == 1
    assert "typo.sqlite: no coding store here; check the path" in capsys.readouterr().err
    assert not (tmp_path / "typo.sqlite").exists()
    (tmp_path / "junk.sqlite").write_text("story_id,text\n" * 100)
    assert main(["store", "info", "--store", str(tmp_path / "junk.sqlite")]) == 1
    assert "not an impactlib coding store" in capsys.readouterr().err


def test_open_project_store_is_idempotent(tmp_path):
    from impactlib.store import open_project_store

    proj = tmp_path / "proj"
    proj.mkdir()
    stories_df().drop(columns=["collected_on"]).to_csv(proj / "stories.csv", index=False)
    (proj / "codes_human.csv").write_text(
        "story_id,dimension,value,coder,created_at\nS1,valence,positive,coder_a,2025-01-02T10:00:00Z\n"
        "S1,valence,negative,coder_b,2025-01-02T11:00:00Z\n", encoding="utf-8")
    (proj / "project.toml").write_text('[project]\nname = "t"\n[files]\nstories = "stories.csv"\n'
                                       'codes = "codes_human.csv"\nstore = "work/impactlib.sqlite"\n')
    with open_project_store(proj) as s:
        assert s.path == proj / "work" / "impactlib.sqlite"
        assert len(s.stories()) == 3 and len(s.history()) == 2
    with open_project_store(proj) as s:
        assert len(s.history()) == 2
        assert sorted(s.current()["coder"]) == ["coder_a", "coder_b"]


def _creator(path: str, coder: str, start_evt) -> None:
    start_evt.wait(10)
    with CodingStore(path, timeout=30) as s:
        s.register_codebook(load_codebook())
        s.add_stories(stories_df())
        for sid in TEXTS:
            s.record(sid, "valence", "positive", coder)


def _opener(path: str, start_evt) -> None:
    start_evt.wait(10)
    with CodingStore(path, timeout=30):
        pass


def test_many_processes_opening_a_new_store_at_once_all_succeed(tmp_path):
    # Regression: the switch to WAL on a fresh file can fail at once with
    # "database is locked" (lock-upgrade deadlock, no busy handler); it must be retried.
    ctx = mp.get_context("fork")
    for trial in range(20):
        path = str(tmp_path / f"t{trial}" / "impactlib.sqlite")
        codes = _start_together(ctx, _opener, [(path,)] * 6, settle=0.05, timeout=60)
        assert codes == [0] * 6, f"trial {trial}"
        with CodingStore(path) as s:
            assert s.schema_version == SCHEMA_VERSION and s.journal_mode == "wal"


def test_two_processes_creating_the_same_new_store(tmp_path):
    path = str(tmp_path / "fresh" / "impactlib.sqlite")
    assert _start_together(mp.get_context("spawn"), _creator, [(path, c) for c in ("coder_a", "coder_b")]) == [0, 0]
    with CodingStore(path) as s:
        assert s.schema_version == SCHEMA_VERSION and s.integrity_check() == "ok"
        assert len(s.stories()) == 3 and s.codebook_versions() == ["1.0.0"]
        assert sorted(s.current()["coder"]) == ["coder_a"] * 3 + ["coder_b"] * 3


# -- schema 3: the trigger-maintained 'latest' table ------------------------------------

def _current_by_history(s, where="1"):
    """current() computed the schema-2 way (no later event for the key), read row by row."""
    from impactlib.store import _CODING_COLS, _IS_CURRENT

    cols = _CODING_COLS.replace(", supersedes, evidence", "")
    sql = f"SELECT {cols} FROM codings c WHERE {_IS_CURRENT} AND {where} ORDER BY c.id"
    return CodingStore._frame(s._con.execute(sql), False)


def _tricky_history(s):
    """Suggestions, decisions, edits, segments, out-of-order and tied created_at times."""
    ids = s.add_suggestions(suggestions_df())
    s.add_suggestions([{"story_id": "S1", "start": 0, "end": 24, "valence": "positive", "valence_confidence": 0.1 + 0.2}])
    s.accept(ids[0], "coder_a")
    s.reject(ids[1], "coder_b", memo="klopt niet")
    s.edit(ids[2], "coder_a", "indirect")
    cb = s.codebook_versions()[0]
    base = {"story_id": "S2", "dimension": "valence", "coder": "coder_c", "source": "human", "status": "accepted",
            "codebook_version": cb}
    with s.transaction():
        s._insert({**base, "value": "positive", "created_at": "2030-01-01T00:00:00.000000Z"})
        s._insert({**base, "value": "negative", "created_at": "2020-01-01T00:00:00.000000Z"})  # older, later id
        s._insert({**base, "dimension": "directness", "value": "direct", "created_at": "2025-01-01T00:00:00.000000Z"})
        s._insert({**base, "dimension": "directness", "value": "indirect", "created_at": "2025-01-01T00:00:00.000000Z"})
        s._insert({**base, "start": 3, "end": 9, "value": "negative", "created_at": "2025-01-01T00:00:00.000000Z"})
        s._insert({**base, "start": 3, "end": None, "value": "positive", "created_at": "2025-01-01T00:00:00.000000Z"})


def test_current_reads_latest_and_equals_the_history_definition(store):
    _tricky_history(store)
    got = store.current()
    pd.testing.assert_frame_equal(got, _current_by_history(store))
    assert sorted(got[got["coder"] == "coder_c"]["value"]) == ["indirect", "negative", "positive", "positive"]
    assert got.loc[got["confidence"].notna(), "confidence"].map(repr).str.contains("0.30000000000000004").any()
    # filters still agree with the definition
    pd.testing.assert_frame_equal(store.current(level="story", status="accepted"),
                                  _current_by_history(store, "c.start IS NULL AND c.status = 'accepted'"))
    pd.testing.assert_frame_equal(store.current(story_id="S2", coder=["coder_c", "coder_b"]),
                                  _current_by_history(store, "c.story_id = 'S2' AND c.coder IN ('coder_c', 'coder_b')"))
    assert store.current(story_id="nope").empty
    # the row-wise reader gives the same frame (with extra columns too)
    rows = CodingStore._frame(store._con.execute(
        "SELECT c.* FROM latest l JOIN codings c ON c.id = l.coding_id ORDER BY c.id"), True)
    pd.testing.assert_frame_equal(store.current(extra=True), rows)
    assert store.rebuild_latest() == len(got)
    pd.testing.assert_frame_equal(store.current(), got)


def test_latest_is_written_in_the_insert_transaction(store):
    ids = store.add_suggestions(suggestions_df())
    n = store._con.execute("SELECT count(*) FROM latest").fetchone()[0]
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.accept(ids[0], "coder_a")
            raise RuntimeError("killed")
    assert store._con.execute("SELECT count(*) FROM latest").fetchone()[0] == n
    pd.testing.assert_frame_equal(store.current(), _current_by_history(store))


def test_version_2_store_is_migrated_with_same_current(tmp_path):
    path = tmp_path / "v2.sqlite"
    with open_store(path) as s:
        s.register_codebook(load_codebook())
        s.add_stories(stories_df())
        _tricky_history(s)
        before = _current_by_history(s)
        # turn it back into a schema-2 store (what impactlib <= this version wrote)
        from impactlib.store import _VIEW

        with s.transaction():
            s._con.execute("DROP TRIGGER codings_latest")
            s._con.execute("DROP TABLE latest")
            s._con.execute("DROP VIEW current_codings")
            s._con.execute(_VIEW)
            s._con.execute("PRAGMA user_version = 2")
    with CodingStore(path) as s:
        assert s.schema_version == SCHEMA_VERSION == 3
        pd.testing.assert_frame_equal(s.current(), before)
        q = s.queue()
        cid = s.record("S3", "valence", "positive", "coder_z")
        assert cid in s.current(coder="coder_z").index
        pd.testing.assert_frame_equal(s.current(), _current_by_history(s))
        assert len(s.queue()) == len(q)
        assert s.integrity_check() == "ok"
