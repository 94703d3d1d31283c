"""Reading JSON-lines files (question batches, evaluation sets) with errors that name the line."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import BadInput


def read_jsonl(path: Path, what: str = "file") -> Iterator[tuple[int, object]]:
    """(line number, parsed value) for every non-blank line; BadInput for a missing file or bad JSON.

    A file that is not UTF-8 is reported as such rather than failing part-way with a traceback."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such {what}")
    try:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield n, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BadInput(f"{path}:{n}: not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None
