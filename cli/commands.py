"""One function per sub-command: parse nothing, decide nothing about retrieval; call qa/indexer, print."""
from __future__ import annotations

import sys
from pathlib import Path

from indexer.corpus import list_documents
from indexer.errors import BadInput
from indexer.load import read_document
from indexer.segment import segment_document

from .render import print_jsonl, progress_bar, render_tree


def _kb(args):
    from qa.engine import open_knowledge_base

    return open_knowledge_base(args.index, args.corpus, progress=progress_bar())


def _waiting(holder: str) -> None:
    print(f"policykb: waiting for another library change to finish ({holder}) …", file=sys.stderr)


def cmd_build(args) -> int:
    from qa.library import rebuild

    if args.milvus_uri and args.backend not in (None, "milvus"):
        raise BadInput("--milvus-uri goes with --backend milvus")
    backend = args.backend or ("milvus" if args.milvus_uri else None)
    shard = _shard(args.embed_shard) if args.embed_shard else None
    options = dict(backend=backend, milvus_uri=args.milvus_uri, milvus_token=args.milvus_token,
                   skip_unreadable=args.skip_unreadable)
    if shard is not None:  # an embedding worker writes only into the shared checkpoint: no library lock
        from indexer.build import build_index

        report = build_index(args.corpus, args.index, args.encoder, progress=progress_bar(), embed_shard=shard, **options)
        print(f"embedding worker {shard[0]}/{shard[1]}: {report.embedded} clauses embedded into the checkpoint "
              f"beside {report.index_dir}; run policykb build when every worker is done", file=sys.stderr)
        return 0
    report = rebuild(args.corpus, args.index, args.encoder, progress=progress_bar(), on_wait=_waiting, **options)
    resumed = f", {report.resumed} from an interrupted build's checkpoint" if report.resumed else ""
    print(f"indexed {report.documents} document(s), {report.clauses} clauses "
          f"({report.embedded} embedded, {report.reused} reused{resumed}) into {report.index_dir}", file=sys.stderr)
    say_skipped(report.skipped)
    return 0


def say_skipped(skipped: dict[str, str], shown: int = 10) -> None:
    """One line per document of the corpus left out of the index because it could not be read."""
    for name, reason in list(skipped.items())[:shown]:
        print(f"skipped {name}: {reason}", file=sys.stderr)
    if len(skipped) > shown:
        print(f"skipped {len(skipped) - shown} more unreadable document(s)", file=sys.stderr)


def _shard(text: str) -> tuple[int, int]:
    try:
        i, k = (int(x) for x in text.split("/"))
    except ValueError:
        raise BadInput(f"--embed-shard {text}: use I/K, e.g. 0/4 for the first of four workers") from None
    return i, k


def cmd_clauses(args) -> int:
    kb = _kb(args)
    clauses = kb.clauses(args.doc)
    if args.json:
        print_jsonl(c.to_json() for c in clauses)
    else:
        for c in clauses:
            print(f"{c.clause_id}\t{c.heading}\t{c.text[:60]}")
    return 0


def cmd_inspect(args) -> int:
    if args.file:
        doc = read_document(args.file, args.file.stem)
        clauses = segment_document(doc)
        print(render_tree(doc.title, doc.text, clauses))
        print(_record_line(doc, args.file.name))
        return 0
    entries = list_documents(args.corpus)
    if args.doc:
        entries = [e for e in entries if e.doc_id == args.doc]
        if not entries:
            raise BadInput(f"{args.doc}: no such document in {args.corpus}")
    for entry in entries:
        doc = entry.load()
        print(render_tree(f"{doc.doc_id}  {doc.title}", doc.text, segment_document(doc)))
        print(_record_line(doc, entry.path.name))
    return 0


def _record_line(doc, file_name: str) -> str:
    """What the document's own text says about it (before editions are linked across the corpus)."""
    from indexer.records import build_record

    record = build_record(doc.doc_id, doc.title, doc.text, doc.meta, file_name)
    facts = [record.kind, record.issuer, record.doc_number, record.level, record.region, record.edition,
             record.issued and f"发布 {record.issued}", record.revised and f"修订 {record.revised}",
             record.effective and f"施行 {record.effective}"]
    return "  record: " + " · ".join(f for f in facts if f)


def cmd_list(args) -> int:
    kb = _kb(args)
    docs = kb.documents()
    if args.json:
        print_jsonl(docs)
    else:
        for d in docs:
            facts = " · ".join(str(d[k]) for k in ("kind", "issuer", "doc_number", "region", "edition", "status") if d.get(k))
            print(f"{d['doc_id']}\t{d['clauses']} clauses\t{d['title']}" + (f"\t{facts}" if facts else ""))
    return 0


def cmd_add(args) -> int:
    from qa.library import add_documents

    if args.doc_id and len(args.files) > 1:
        raise BadInput("--id names one document; add files one at a time to give each an id")
    meta = {"title": args.title, "doc_number": args.doc_number, "issuer": args.issuer, "date": _date(args.date),
            "kind": _kind(args.kind), "region": args.region, "effective": _date(args.effective, "--effective")}
    added, report = add_documents(args.corpus, args.index, args.files, meta, args.doc_id, progress=progress_bar(),
                                  on_wait=_waiting)
    for entry in added:
        print(f"added {entry.doc_id}: {entry.meta.get('title')}")
    print(f"index: {report.documents} document(s), {report.clauses} clauses", file=sys.stderr)
    return 0


def _date(value, option: str = "--date"):
    import re

    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise BadInput(f"{option} {value!r}: expected YYYY-MM-DD")
    return value


def _kind(value):
    from indexer.records import KINDS

    if value is not None and value not in KINDS:
        raise BadInput(f"--kind {value!r}: use one of {'、'.join(KINDS)}")
    return value


def cmd_remove(args) -> int:
    from qa.library import remove_documents

    entry, report = remove_documents(args.corpus, args.index, args.doc_id, progress=progress_bar(), on_wait=_waiting)
    print(f"removed {entry.doc_id}" + ("" if report else " (the corpus is now empty; the old index is left as it was)"))
    return 0


def cmd_ask(args) -> int:
    from .render import render_answer

    if args.batch and args.question:
        raise BadInput("give either a QUESTION or --batch FILE, not both")
    if not args.batch and args.question is None:
        raise BadInput("ask needs a QUESTION (or --batch FILE)")
    scope = _scope(args)
    if args.batch:
        items = read_batch(args.batch)
        kb = _kb(args)
        for item in items:
            try:
                answer = kb.ask(item["question"], top_k=args.top_k, qid=item["id"],
                                **{**scope, "region": item.get("region") or scope["region"]}).to_json()
            except BadInput as exc:  # one bad line does not sink the batch
                answer = {"id": item["id"], "question": item["question"], "error": str(exc), "answer": "",
                          "abstained": True, "citations": [], "analysis": {}}
            if args.json:
                print_jsonl([answer])
            else:
                print(f"[{item['id']}] {item['question']}\n{answer['answer']}\n")
        return 0
    from qa.analyze import validate_question

    validate_question(args.question)  # before loading (or building) anything
    kb = _kb(args)
    answer = kb.ask(args.question, top_k=args.top_k, **scope)
    if args.json:
        print_jsonl([answer.to_json()])
    else:
        print(render_answer(answer.to_json()))
    return 0


def _scope(args) -> dict:
    """--region / --doc / --kind as KnowledgeBase.ask's keyword arguments."""
    split = lambda v: [x.strip() for x in v.replace("，", ",").split(",") if x.strip()] if v else None  # noqa: E731
    return {"region": args.region, "doc_ids": split(args.doc), "kinds": split(args.kind)}


def read_batch(path: Path) -> list[dict]:
    from qa.jsonl import read_jsonl

    items = []
    for n, obj in read_jsonl(path, "file"):
        if not isinstance(obj, dict) or "question" not in obj:
            raise BadInput(f'{path}:{n}: expected {{"id": ..., "question": ...}}')
        items.append({"id": obj.get("id", n), "question": obj["question"], "region": obj.get("region")})
    return items


def cmd_entitlements(args) -> int:
    from .render import render_entitlements

    kb = _kb(args)
    result = kb.entitlements(args.profile.replace("，", ",").split(","), args.topic, region=args.region)
    if args.json:
        print_jsonl([result])
    else:
        print(render_entitlements(result))
    return 0


def cmd_eval(args) -> int:
    from eval.runner import DEFAULT_REPORT, run_evaluation, run_set, run_sets
    from eval.sets import find_set

    if args.questions and args.set:
        raise BadInput("give either --questions FILE or --set NAME, not both")
    chosen = find_set(args.set) if args.set else None
    kb = None if chosen is not None and chosen.own_index else _kb(args)   # such a set brings its own index
    systems = args.systems.split(",") if args.systems else None
    report = args.report or DEFAULT_REPORT
    if args.questions:
        summary = run_evaluation(kb, args.questions, report, previous=args.previous, systems=systems,
                                 progress=progress_bar())
    elif chosen:
        summary = run_set(kb, chosen, report, previous=args.previous, systems=systems, progress=progress_bar())
    else:
        summary = run_sets(kb, report, previous=args.previous, systems=systems, progress=progress_bar())
    if args.json:
        print_jsonl([summary])
    else:
        from eval.report import summary_table

        print(summary_table(summary))
    return 0


def cmd_ui(args) -> int:
    import subprocess

    from qa.engine import ensure_index

    # built (with a progress bar) and checked here, not in the browser; the server (ui/server.py) loads
    # and warms its own copy before it listens, and sets the toolbar, bind address and upload limit
    ensure_index(args.index, args.corpus, progress=progress_bar())
    host = getattr(args, "host", None) or "127.0.0.1"
    command = [sys.executable, "-m", "ui.server", "--host", host, "--port", str(args.port),
               "--index", str(args.index.absolute()), "--corpus", str(args.corpus.absolute())]
    shown = "localhost" if host in ("127.0.0.1", "localhost") else host
    print(f"PolicyKB UI: http://{shown}:{args.port}", file=sys.stderr)
    return subprocess.call(command, cwd=Path(__file__).resolve().parent.parent)


def cmd_serve(args) -> int:
    from .http_api import serve

    kb = _kb(args)
    kb.warm_up()  # before listening: the first request does not pay for the lazy parts
    return serve(kb, args.host, args.port, args.corpus, args.index)
