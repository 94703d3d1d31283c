"""Library changes as one transaction over the corpus and the index.

A change (add, remove, rebuild) runs under the library's writer lock, an OS file lock beside the
index (`.index.lock`): one writer at a time; a second one waits for it (up to a timeout) or is
refused with a one-line message naming the holder. Killing a writer releases its lock.

The steps of a change:

1. stage: the corpus as it will be is laid out in `.index.stage-<id>/corpus/` (hard links to the
   unchanged documents, copies of new ones, removed ones left out); the corpus itself is untouched;
2. build the new index from the staged corpus into a temporary sibling folder (`store.write_index`);
3. journal: `.index.journal` names the new index (and its manifest's checksum), the old one, the
   corpus and the files to move into it or delete from it; written atomically and fsynced;
4. swap: the new folder and the index are exchanged in one step (Linux renameat2 RENAME_EXCHANGE,
   else two renames), under the swap lock readers hold while they load, so no reader ever sees half;
5. apply the staged corpus changes (idempotent), delete the old index and the stage, clear the journal.

Recovery (at the next writer's start, and whenever a reader finds no writer running) rolls forward
when the index holds the journal's new manifest, else back; without a journal, leftovers are judged
by content: when the index folder is missing, the complete candidate (its manifest's file checksums
verify) built last is put in place; everything else left over is removed.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInput, IndexUnusable

DEFAULT_WAIT_S = 600.0  # how long a second writer waits for the first one before giving up
FAULT_ENV = "POLICYKB_FAULT"  # test hook: the name of a step at which the process kills itself (SIGKILL)
SWAP_ENV = "POLICYKB_SWAP"  # "rename": swap with two renames, as on systems without renameat2 (and in tests)
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class LibraryBusy(BadInput):
    """Another library change holds the writer lock (exit 2, one line)."""


@dataclass
class Paths:
    index: Path

    @property
    def parent(self) -> Path:
        return self.index.parent

    def sibling(self, kind: str) -> Path:
        return self.parent / f".{self.index.name}.{kind}"

    @property
    def writer_lock(self) -> Path:
        return self.sibling("lock")

    @property
    def swap_lock(self) -> Path:
        return self.sibling("swap-lock")

    @property
    def journal(self) -> Path:
        return self.sibling("journal")

    def leftovers(self, *kinds: str) -> list[Path]:
        prefix = f".{self.index.name}."
        found = []
        for kind in kinds:
            found.extend(p for p in self.parent.glob(f"{prefix}{kind}-*") if p.is_dir())
        return found


def _paths(index_dir: Path) -> Paths:
    return Paths(Path(index_dir).absolute())


def fault_point(name: str) -> None:
    """Kill this process at step `name` when $POLICYKB_FAULT names it (crash tests only)."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


# --- locks ---------------------------------------------------------------------------------
_held = threading.local()  # index path → depth of this thread's writer lock (it is re-entrant per thread)


def _depth() -> dict:
    if not hasattr(_held, "depth"):
        _held.depth = {}
    return _held.depth


def holds_writer(index_dir: Path) -> bool:
    return _depth().get(str(_paths(index_dir).index), 0) > 0


def _open_lock(path: Path) -> int | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None  # a read-only location: nobody can write there either, so there is nothing to guard


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
        return f"pid {info['pid']}, {info['what']} since {info['since']}"
    except (OSError, ValueError, KeyError, UnicodeDecodeError):
        return "another process"


@contextlib.contextmanager
def writer(index_dir: Path, wait: float = DEFAULT_WAIT_S, what: str = "change", on_wait=None):
    """Hold the library's writer lock (re-entrant in one thread). Wait up to `wait` seconds for another
    writer, calling on_wait(holder) once; then raise LibraryBusy. Leftovers of a crashed change are
    recovered as soon as the lock is ours."""
    paths = _paths(index_dir)
    key = str(paths.index)
    depth = _depth()
    if depth.get(key):
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1
        return
    fd = _open_lock(paths.writer_lock)
    try:
        if fd is not None:
            deadline = time.monotonic() + max(0.0, wait)
            told = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = _holder(fd)
                    if time.monotonic() >= deadline:
                        waited = f" (waited {wait:.0f} s)" if wait >= 1 else ""
                        raise LibraryBusy(f"another library change is running ({holder}){waited}; "
                                          f"nothing was changed — try again when it has finished") from None
                    if on_wait and not told:
                        on_wait(holder)
                        told = True
                    time.sleep(0.1)
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "what": what,
                                      "since": time.strftime("%H:%M:%S")}).encode(), 0)
        depth[key] = 1
        try:
            recover(paths.index)
            yield
        finally:
            depth.pop(key, None)
            if fd is not None:
                os.ftruncate(fd, 0)
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


@contextlib.contextmanager
def _flock(path: Path, mode: int):
    fd = _open_lock(path)
    try:
        if fd is not None:
            fcntl.flock(fd, mode)
        yield
    finally:
        if fd is not None:
            os.close(fd)


def reading(index_dir: Path):
    """Held (shared) while a reader loads the index: a swap waits for it, and it waits for a swap."""
    return _flock(_paths(index_dir).swap_lock, fcntl.LOCK_SH)


def _swapping(paths: Paths):
    return _flock(paths.swap_lock, fcntl.LOCK_EX)


# --- the journal ---------------------------------------------------------------------------
def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_journal(paths: Paths, entry: dict) -> None:
    tmp = paths.sibling(f"journal-tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(entry, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, paths.journal)
    _fsync_dir(paths.parent)


def _read_journal(paths: Paths) -> dict | None:
    try:
        entry = json.loads(paths.journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # torn or unreadable: the swap never started (it is written before the swap)
    return entry if isinstance(entry, dict) else {}


def _clear_journal(paths: Paths) -> None:
    paths.journal.unlink(missing_ok=True)
    _fsync_dir(paths.parent)


# --- the swap ------------------------------------------------------------------------------
def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step; False where the system cannot (then the caller renames twice)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@dataclass
class Change:
    """The corpus side of a change in progress: the staged corpus and the files to apply."""
    corpus: Path
    stage: Path
    adds: list[str] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)

    @property
    def view(self) -> Path:
        return self.stage / "corpus"


_changes: dict[str, Change] = {}  # index path → the change this process is making to it


def swap_in(new_dir: Path, index_dir: Path) -> None:
    """Put the freshly written index folder `new_dir` in place of `index_dir`, as one journaled step
    together with the corpus changes staged for it."""
    paths = _paths(index_dir)
    with writer(paths.index, what="swap"):
        change = _changes.get(str(paths.index))
        entry = {"id": uuid.uuid4().hex, "pid": os.getpid(), "index": str(paths.index), "new": str(Path(new_dir).absolute()),
                 "new_manifest": _sha256(Path(new_dir) / "manifest.json"),
                 "old": str(paths.sibling(f"old-{uuid.uuid4().hex[:12]}"))}
        if change is not None:
            entry.update(corpus=str(change.corpus.absolute()), stage=str(change.stage), adds=change.adds,
                         removes=change.removes)
        fault_point("before-journal")
        _write_journal(paths, entry)
        fault_point("journaled")
        try:
            with _swapping(paths):
                if not paths.index.exists():
                    os.rename(new_dir, paths.index)
                elif os.environ.get(SWAP_ENV) == "rename" or not _exchange(Path(new_dir), paths.index):
                    os.rename(paths.index, entry["old"])
                    fault_point("between-renames")
                    os.rename(new_dir, paths.index)
        except BaseException:
            if _sha256(paths.index / "manifest.json") != entry["new_manifest"]:
                if not paths.index.exists() and Path(entry["old"]).exists():
                    os.rename(entry["old"], paths.index)
                _clear_journal(paths)
            raise
        _fsync_dir(paths.parent)
        fault_point("swapped")
        _roll_forward(entry)
        if change is not None:
            change.adds, change.removes = [], []  # applied


def _apply_corpus(entry: dict) -> None:
    if not entry.get("corpus"):
        return
    corpus, view = Path(entry["corpus"]), Path(entry["stage"]) / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name in entry.get("adds", []):  # metadata first: a document never appears without its own
        staged, target = view / name, corpus / name
        if staged.exists():
            _move_into(staged, target)
        fault_point("applying")
    for name in entry.get("removes", []):  # the document first, its metadata after
        (corpus / name).unlink(missing_ok=True)
    _fsync_dir(corpus)


def _move_into(staged: Path, target: Path) -> None:
    try:
        os.replace(staged, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        tmp = target.with_name(f".tmp-{uuid.uuid4().hex[:8]}")
        shutil.copyfile(staged, tmp)
        os.replace(tmp, target)
        staged.unlink()


def _roll_forward(entry: dict) -> None:
    from .ingest import work_folder

    paths = _paths(Path(entry["index"]))
    _apply_corpus(entry)
    fault_point("applied")
    _remove_aside(paths, entry)
    # the build's embedding checkpoint is in the index now; an undone change keeps it for the retry to resume
    shutil.rmtree(work_folder(paths.index), ignore_errors=True)
    _clear_journal(paths)


def _roll_back(entry: dict) -> None:
    paths = _paths(Path(entry["index"]))
    if not paths.index.exists() and entry.get("old") and Path(entry["old"]).is_dir():
        with _swapping(paths):
            os.rename(entry["old"], paths.index)
    _remove_aside(paths, entry)
    _clear_journal(paths)


def _remove_aside(paths: Paths, entry: dict) -> None:
    for key in ("new", "old", "stage"):
        where = entry.get(key)
        if where and Path(where) != paths.index:
            shutil.rmtree(where, ignore_errors=True)


# --- recovery ------------------------------------------------------------------------------
def _complete(directory: Path) -> float | None:
    """When a candidate index folder was built (its manifest's time), if every file it lists verifies."""
    from .store import read_manifest, verify_files

    try:
        manifest = read_manifest(directory)
        verify_files(directory, manifest)
    except (IndexUnusable, OSError, KeyError, TypeError):
        return None
    try:
        return (directory / "manifest.json").stat().st_mtime
    except OSError:
        return None


def recover(index_dir: Path) -> str | None:
    """Finish or undo a crashed change. Call with the writer lock held. Returns what was done, if anything."""
    paths = _paths(index_dir)
    if not paths.parent.is_dir():
        return None
    entry = _read_journal(paths)
    done = None
    if entry:
        if not paths.index.exists() and Path(entry.get("new", "")).is_dir() and \
                _sha256(Path(entry["new"]) / "manifest.json") == entry.get("new_manifest") and _complete(Path(entry["new"])):
            with _swapping(paths):  # died between two renames, after the old index was moved aside
                os.rename(entry["new"], paths.index)
        if entry.get("new_manifest") and _sha256(paths.index / "manifest.json") == entry["new_manifest"]:
            _roll_forward(entry)
            done = "rolled forward"
        else:
            _roll_back(entry)
            done = "rolled back"
    elif entry == {}:
        _clear_journal(paths)
    for tmp in paths.parent.glob(f".{paths.index.name}.journal-tmp-*"):
        tmp.unlink(missing_ok=True)
    leftovers = paths.leftovers("tmp", "old")
    if not paths.index.exists():
        built = [(when, str(p), p) for p in leftovers if (when := _complete(p)) is not None]
        if built:
            best = max(built)[2]
            with _swapping(paths):
                os.rename(best, paths.index)
            leftovers.remove(best)
            done = done or f"restored the complete index left in {best.name}"
    for p in leftovers + paths.leftovers("stage"):
        shutil.rmtree(p, ignore_errors=True)
        done = done or "removed leftovers"
    return done


def recover_if_idle(index_dir: Path) -> None:
    """Recover leftovers now if no writer is running (else the running writer has done it)."""
    paths = _paths(index_dir)
    if holds_writer(paths.index) or not (paths.journal.exists() or paths.leftovers("tmp", "old", "stage")
                                         or not paths.index.exists()):
        return
    try:
        with writer(paths.index, wait=0, what="recovery"):
            pass
    except LibraryBusy:
        pass


# --- a change ------------------------------------------------------------------------------
@contextlib.contextmanager
def change(corpus_dir: Path, index_dir: Path, wait: float = DEFAULT_WAIT_S, what: str = "change", on_wait=None):
    """Hold the writer lock and stage the corpus: yields a Change whose `view` is the corpus as it will
    be. Building an index from the view swaps it in together with the staged corpus changes; leaving
    the block without a swap discards the stage and leaves corpus and index as they were."""
    paths = _paths(index_dir)
    corpus = Path(corpus_dir).absolute()
    with writer(paths.index, wait, what, on_wait):
        for tmp in corpus.glob(".tmp-*") if corpus.is_dir() else []:
            tmp.unlink(missing_ok=True)  # a copy into the corpus cut short
        stage = paths.sibling(f"stage-{uuid.uuid4().hex[:12]}")
        current = Change(corpus, stage)
        _link_tree(corpus, current.view)
        _changes[str(paths.index)] = current
        try:
            yield current
        finally:
            _changes.pop(str(paths.index), None)
            shutil.rmtree(stage, ignore_errors=True)


def apply_without_index(current: Change, index_dir: Path) -> None:
    """Apply the staged corpus changes alone (journaled), when no index can be built from the result."""
    paths = _paths(index_dir)
    entry = {"id": uuid.uuid4().hex, "pid": os.getpid(), "index": str(paths.index), "corpus": str(current.corpus),
             "stage": str(current.stage), "adds": current.adds, "removes": current.removes,
             "new_manifest": _sha256(paths.index / "manifest.json")}  # the index "is" already the new one
    _write_journal(paths, entry)
    _roll_forward(entry)


def _link_tree(corpus: Path, view: Path) -> None:
    view.mkdir(parents=True)
    if not corpus.is_dir():
        return
    for path in sorted(corpus.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            try:
                os.link(path, view / path.name)
            except OSError:
                shutil.copy2(path, view / path.name)


def note_added(current: Change, doc_path: Path, meta_path: Path) -> None:
    current.adds.extend([meta_path.name, doc_path.name])


def note_removed(current: Change, doc_path: Path, meta_path: Path) -> None:
    current.removes.extend([doc_path.name, meta_path.name])
