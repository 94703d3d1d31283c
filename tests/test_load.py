"""Loading and cleaning: encodings, formats, page chrome, and bad input."""
from __future__ import annotations

import pytest

from indexer.errors import BadInput
from indexer.load import MAX_DOCUMENT_BYTES, clean_text, read_document

BODY = "第一章 总则\n\n第一条 为了保障困难群众基本生活，制定本办法。\n\n第二条 本办法适用于农村低保对象。\n"


@pytest.mark.parametrize("encoding,prefix", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b"")])
def test_reads_utf8_with_or_without_bom_and_gb18030(tmp_path, encoding, prefix):
    path = tmp_path / "doc.txt"
    path.write_bytes(prefix + BODY.encode(encoding))
    doc = read_document(path, "doc")
    assert doc.text.startswith("第一章 总则")
    assert "农村低保对象" in doc.text
    assert "\ufeff" not in doc.text


def test_seed_page_chrome_removed_and_text_kept_verbatim(seed_document):
    text = seed_document.text
    for chrome in ("当前位置", "【字体", "关闭窗口", "【附件下载】", "【相关新闻】", "发布人", "\u00a0"):
        assert chrome not in text
    # policy wording is untouched, odd punctuation and all
    assert "国发〔201664号" in text
    assert "实行贫困人口分类救治。优先为建档立卡贫困人口单独建立电子健康档案和健康卡" in text
    assert seed_document.meta["published"] == "2017-03-15"
    assert seed_document.meta["source"] == "清原县扶贫办"


def test_box_delimiters_survive_cleaning_as_double_blank_lines():
    text, _ = clean_text("专栏1 指标\n\n甲\n\u00a0\n第二节 乙\n")
    assert "甲\n\n\n第二节 乙" in text


def test_html_and_markdown_become_plain_text(tmp_path):
    html = tmp_path / "a.html"
    html.write_text("<html><head><title>x</title><script>var a=1;</script></head><body>"
                    "<h1>第一章 总则</h1><p>第一条 &nbsp;困难群众&lt;低保&gt;。</p></body></html>", encoding="utf-8")
    doc = read_document(html, "a")
    assert "var a" not in doc.text and "第一章 总则" in doc.text and "困难群众<低保>。" in doc.text
    md = tmp_path / "b.md"
    md.write_text("# 第一章 总则\n\n**第一条** 按照[规定](http://x)执行。\n", encoding="utf-8")
    doc = read_document(md, "b")
    assert doc.text.splitlines()[0] == "第一章 总则"
    assert "第一条 按照规定执行。" in doc.text


def test_docx_is_read(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("第一章 总则")
    d.add_paragraph("第一条 农村低保对象按月领取低保金。")
    path = tmp_path / "c.docx"
    d.save(path)
    assert "按月领取低保金" in read_document(path, "c").text


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    (bytes([0x81, 0x30, 0xff, 0xfe, 0x80, 0x80]) * 50, "cannot decode"),
    (b"   \n\n\t \n", "no text"),
])
def test_bad_documents_are_refused_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(BadInput) as err:
        read_document(path, "bad")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_huge_document_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:  # a sparse 50 MB file: refused by size, never read into memory
        fh.truncate(50 * 1024 * 1024)
    assert path.stat().st_size > MAX_DOCUMENT_BYTES
    with pytest.raises(BadInput, match="over the 20 MB limit"):
        read_document(path, "huge")


def test_unsupported_type_and_missing_file(tmp_path):
    with pytest.raises(BadInput, match="unsupported file type"):
        (tmp_path / "x.exe").write_bytes(b"MZ")
        read_document(tmp_path / "x.exe", "x")
    with pytest.raises(BadInput, match="no such file"):
        read_document(tmp_path / "nope.txt", "nope")
