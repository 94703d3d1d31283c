"""Where the index and corpus are, and the knowledge base loaded once per process."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from indexer.errors import BadInput, IndexUnusable


@dataclass(frozen=True)
class Settings:
    index_dir: str
    corpus_dir: str


def settings(argv: list[str] | None = None) -> Settings:
    """`streamlit run ui/app.py -- --index DIR --corpus DIR`; else $POLICYKB_INDEX/$POLICYKB_CORPUS; else ./index, ./corpus."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--index", default=os.environ.get("POLICYKB_INDEX", "index"))
    parser.add_argument("--corpus", default=os.environ.get("POLICYKB_CORPUS", "corpus"))
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return Settings(str(Path(args.index).absolute()), str(Path(args.corpus).absolute()))


def limit_native_threads() -> None:
    """One BLAS thread for this server process.

    On a busy machine BLAS threads spin against each other (measured on 2 cores under load: 0.3–2.8 s
    per question with 2 threads, 0.06–0.14 s with 1). The question encoder picks its own threads per
    question, from the cores free at that moment (`indexer.encoders.query_threads`).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1)


def index_stamp(index_dir: str) -> tuple[int, int] | None:
    """Identity of the index on disk (its manifest's inode and mtime); a rebuild swaps in a new one."""
    try:
        stat = (Path(index_dir) / "manifest.json").stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


_last_stamp: dict[str, tuple[int, int] | None] = {}
# knowledge bases loaded before the server started (`warm`), handed to the first page run that asks
_warmed: dict[tuple, object] = {}


def load_knowledge_base(index_dir: str, corpus_dir: str):
    """Open the index and pay the first question's lazy loading (no Streamlit involved)."""
    from qa.engine import open_knowledge_base

    limit_native_threads()
    kb = open_knowledge_base(Path(index_dir), Path(corpus_dir))
    kb.warm_up()
    return kb


def warm(s: Settings) -> None:
    """Load the knowledge base now, in the server process before it listens (`ui.server`)."""
    kb = load_knowledge_base(s.index_dir, s.corpus_dir)  # builds the index first if it is missing
    _warmed[(s.index_dir, s.corpus_dir, index_stamp(s.index_dir))] = kb


@st.cache_resource(show_spinner="正在加载知识库……", max_entries=2)
def _load(index_dir: str, corpus_dir: str, stamp: tuple[int, int] | None):
    """Loaded once per process and per version of the index (`stamp`), so `policykb add` shows up too."""
    kb = _warmed.pop((index_dir, corpus_dir, stamp), None)
    return kb if kb is not None else load_knowledge_base(index_dir, corpus_dir)


@st.cache_resource
def library_lock() -> threading.Lock:
    """One change to the corpus and index at a time, across every session of this process."""
    return threading.Lock()


@contextlib.contextmanager
def library_change():
    """Holds the library lock for one add or remove; yields False, after telling the user, when another
    change is already running."""
    lock = library_lock()
    if not lock.acquire(blocking=False):
        st.warning("另一个文件正在添加或删除，请稍后再试。")
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def knowledge_base():
    """The cached knowledge base; stops the page with a message if the index cannot be used."""
    s = settings()
    stamp = index_stamp(s.index_dir)
    if stamp is None:  # no index yet (it is built on load), or a rebuild is swapping folders this instant
        stamp = _last_stamp.get(s.index_dir)
    _last_stamp[s.index_dir] = stamp
    try:
        return _load(s.index_dir, s.corpus_dir, stamp)
    except (IndexUnusable, BadInput) as exc:
        st.error("知识库索引无法使用，请管理员在命令行重建索引后刷新本页：\n\n"
                 f"`policykb build --index {s.index_dir} --corpus {s.corpus_dir}`")
        st.caption("详细信息")
        st.code(str(exc), language=None, wrap_lines=True)
        st.stop()


def reload_knowledge_base() -> None:
    """Drop the cached knowledge base: the next page run loads the index as it is now on disk."""
    _load.clear()


ANY_REGION = "不限地区"


def region_setting() -> None:
    """The reader's region, chosen in the sidebar (st.session_state["region"]) from the regions of the
    documents in the library; questions and 政策匹配 then prefer that region's documents and national ones."""
    regions = sorted({d.get("region") for d in knowledge_base().documents()
                      if d.get("region") and d.get("region") != "全国"})
    if regions:
        with st.sidebar:
            st.selectbox("我所在的地区", [ANY_REGION, *regions], key="region",
                         help="选定后，回答优先采用本地区和国家的规定，不采用其他省份的规定。")


def chosen_region() -> str | None:
    """The region set in the sidebar, or None when the reader set none."""
    region = st.session_state.get("region")
    return None if not region or region == ANY_REGION else region
