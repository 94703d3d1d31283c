"""Shared fixtures: the seed document, and one index of the repo's corpus built per test session."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "lnfp13.txt"
CORPUS = ROOT / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is ever downloaded in tests
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def seed_document():
    from indexer.load import read_document

    return read_document(SEED, "lnfp13", title="辽宁省“十三五”脱贫攻坚规划")


@pytest.fixture(scope="session")
def seed_clauses(seed_document):
    from indexer.segment import segment_document

    return segment_document(seed_document)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory):
    """The repo's corpus indexed once for the whole session (about 20 s)."""
    from indexer.build import build_index

    directory = tmp_path_factory.mktemp("index") / "index"
    build_index(CORPUS, directory)
    return directory


@pytest.fixture(scope="session")
def local_kb(index_dir):
    from qa.engine import open_knowledge_base

    return open_knowledge_base(index_dir, CORPUS, build_if_missing=False)


@pytest.fixture(scope="session")
def kb(local_kb):
    return local_kb


@pytest.fixture(scope="session")
def milvus_index_dir(index_dir, tmp_path_factory):
    """The same corpus on the Milvus backend (a Milvus Lite file), its vectors reused from `index_dir`."""
    import shutil

    from indexer.build import build_index

    directory = tmp_path_factory.mktemp("milvus") / "index"
    shutil.copytree(index_dir, directory)
    build_index(CORPUS, directory, backend="milvus", milvus_uri=str(directory.parent / "kb.db"))
    return directory


@pytest.fixture(scope="session")
def milvus_kb(milvus_index_dir):
    from qa.engine import open_knowledge_base

    kb = open_knowledge_base(milvus_index_dir, CORPUS, build_if_missing=False)
    yield kb
    kb.close()


@pytest.fixture(scope="session", params=["local", "milvus"])
def kb_on_each_backend(request):
    """The knowledge base on the local backend, then on Milvus Lite: for tests that must pass on both."""
    return request.getfixturevalue(f"{request.param}_kb")


@pytest.fixture
def run_cli(capsys):
    """Run `policykb ARGS…` in-process; returns (exit code, stdout, stderr)."""
    from cli.main import main

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def library_index(tmp_path_factory):
    """(index, corpus) of the plan plus the 14 documents of ../shared/policies, added through
    qa.library.add_documents as a user would: built once per test session (embedding ~1,000 clauses takes
    minutes on 2 cores). POLICYKB_TEST_WORK names a folder to keep it in between sessions (it is keyed by
    the documents' content and refreshed with the current code, as `policykb eval` does with eval/work/)."""
    from eval.sets import find_set, prepare_index

    policies = find_set("policies")
    if policies.unavailable:
        pytest.skip(f"no shared policies: {policies.unavailable}")
    work = os.environ.get("POLICYKB_TEST_WORK")
    return prepare_index(policies, Path(work) if work else tmp_path_factory.mktemp("library"))


@pytest.fixture(scope="session")
def library_kb(library_index):
    from qa.engine import open_knowledge_base

    index, corpus = library_index
    return open_knowledge_base(index, corpus, build_if_missing=False)
