"""Input bounded by content, not only by bytes on disk: zip bombs, part counts, PDF pages, characters."""
from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from indexer.errors import BadInput
from indexer.load import MAX_PDF_PAGES, MAX_TEXT_CHARS, MAX_ZIP_MEMBERS, read_document

ROOT = Path(__file__).resolve().parent.parent
CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/content-types"/>')


def write_zip_bomb(path: Path, megabytes: int = 2048) -> None:
    """A .docx whose word/document.xml inflates to `megabytes` MB of spaces from about 1 KB per MB:
    one full-flushed deflate block repeated (identical input after a full flush gives identical output)."""
    chunk = b" " * (1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    members = [(b"[Content_Types].xml", zlib.crc32(CONTENT_TYPES), CONTENT_TYPES, len(CONTENT_TYPES), 0),
               (b"word/document.xml", crc, None, megabytes << 20, 8)]
    out, directory = bytearray(), bytearray()
    for name, crc32, stored, size, method in members:
        offset = len(out)
        payload_size = len(stored) if stored is not None else len(block) * megabytes + len(tail)
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc32, payload_size, size, len(name), 0)
        out += header + name
        if stored is not None:
            out += stored
        else:
            out += block * megabytes + tail
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc32, payload_size, size,
                                 len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(out), 0)
    path.write_bytes(bytes(out + directory + end))


MEASURE = """
import json, resource, sys, time
from indexer.errors import BadInput
from indexer.load import read_document
import docx  # imported before measuring: its cost is not the bomb's
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    read_document(sys.argv[1], "bomb")
    error = None
except BadInput as exc:
    error = str(exc)
print(json.dumps({"error": error, "seconds": time.perf_counter() - started, "base_mb": base / 1024,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def test_a_zip_bomb_docx_is_refused_fast_with_little_memory(tmp_path):
    bomb = tmp_path / "bomb.docx"
    write_zip_bomb(bomb, megabytes=2048)
    assert bomb.stat().st_size < 3_000_000
    with zipfile.ZipFile(bomb) as z:  # a well-formed zip: zipfile itself would inflate it all
        assert z.getinfo("word/document.xml").file_size == 2048 << 20
    run = subprocess.run([sys.executable, "-c", MEASURE, str(bomb)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"zip bomb ({bomb.stat().st_size / 1e6:.1f} MB → 2 GiB): refused in {result['seconds'] * 1000:.0f} ms, "
          f"peak RSS {result['peak_mb']:.0f} MiB ({result['base_mb']:.0f} MiB before reading it)")
    assert result["error"] and "zip bomb" in result["error"] and "\n" not in result["error"]
    assert result["peak_mb"] - result["base_mb"] < 100  # the file's own bytes, a few MB; never the 2 GiB
    assert result["seconds"] < 30  # generous: a figure, not a benchmark


def test_a_docx_with_too_many_parts_is_refused(tmp_path):
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        for i in range(MAX_ZIP_MEMBERS + 1):
            z.writestr(f"word/media/p{i}.xml", "")
    with pytest.raises(BadInput, match="parts"):
        read_document(path, "many")


def test_a_pdf_with_too_many_pages_is_refused(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(MAX_PDF_PAGES + 1):
        writer.add_blank_page(width=72, height=72)
    path = tmp_path / "pages.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    with pytest.raises(BadInput, match="pages"):
        read_document(path, "pages")


def test_text_over_the_character_limit_is_refused(tmp_path):
    path = tmp_path / "long.txt"
    line = "第一条 本办法适用于农村低保对象。" * 4 + "\n"
    path.write_text(line * (MAX_TEXT_CHARS // len(line) + 1), encoding="gb18030")
    with pytest.raises(BadInput, match="characters"):
        read_document(path, "long")


def test_a_real_docx_still_reads(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("第一章 总则")
    document.add_paragraph("第一条 农村低保对象看病实行先诊疗后付费。")
    path = tmp_path / "ok.docx"
    document.save(path)
    assert "先诊疗后付费" in read_document(path, "ok").text
