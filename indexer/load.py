"""Reading documents from disk: decoding, format extraction and removal of web-page chrome.

The cleaned text keeps the policy wording verbatim (citations quote it); only whitespace is
tidied.  Normalisation for matching (NFKC, traditional → simplified) lives in `normalize`.
"""
from __future__ import annotations

import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path

from .clause import Document
from .errors import BadInput
from .records import split_header

# A policy document is at most a few MB of text; anything larger is refused before it is read.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Compressed formats are bounded by what they hold, checked before or while it is unpacked: a .docx
# (a zip) by its members' declared sizes (zipfile never inflates past them) and count, a PDF by its
# pages, every format by the characters of text it yields.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_PDF_PAGES = 2000
MAX_TEXT_CHARS = 10_000_000
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")

# Whitespace-only lines made of no-break spaces delimit boxed columns (专栏) in web copies;
# cleaning keeps them as a double blank line, which `segment` reads as the end of a box.
BOX_BREAK = "\n\n\n"

_CHROME_KEYWORDS = ("字体", "打印", "关闭窗口", "附件下载", "相关新闻", "相关链接", "收藏", "分享到", "返回顶部")
_BREADCRUMB = re.compile(r"^\s*(当前位置|您的位置|您现在的位置|所在位置)\s*[:：]")
_PAGE_META = re.compile(r"(发布人|发布时间|发布日期|来源|作者|浏览次数|点击数)\s*[:：]")


def read_document(path: Path, doc_id: str, title: str | None = None, meta: dict | None = None) -> Document:
    """Load one file into a cleaned Document, or raise BadInput with a one-line reason."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise BadInput(f"{path}: unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    size = path.stat().st_size
    if size == 0:
        raise BadInput(f"{path}: the file is empty")
    if size > MAX_DOCUMENT_BYTES:
        raise BadInput(f"{path}: {size / 1e6:.1f} MB is over the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB limit for one document")
    data = path.read_bytes()
    header = None
    if suffix in (".md", ".markdown", ".txt"):
        # The LawRefBook header (title, history lines, <!-- INFO END -->) is metadata, not a clause.
        header, text = split_header(decode_bytes(data, str(path)))
        text = markdown_to_text(text) if suffix != ".txt" else text
    else:
        text = extract_text(data, suffix, str(path))
    _check_chars(len(text), str(path))
    cleaned, page_meta = clean_text(text)
    if not re.search(r"[\w\u4e00-\u9fff]", cleaned):
        raise BadInput(f"{path}: no text left after cleaning")
    merged = {**page_meta, **(meta or {})}
    if header:
        merged["header"] = header
    doc_title = title or merged.get("title") or (header or {}).get("title") or guess_title(cleaned) or doc_id
    merged["title"] = doc_title
    return Document(doc_id=doc_id, title=doc_title, text=cleaned, meta=merged)


def extract_text(data: bytes, suffix: str, where: str = "input") -> str:
    """Plain text from the bytes of a file of the given type."""
    if suffix == ".docx":
        return _docx_text(data, where)
    if suffix == ".pdf":
        return _pdf_text(data, where)
    text = decode_bytes(data, where)
    if suffix in (".html", ".htm"):
        return html_to_text(text)
    if suffix in (".md", ".markdown"):
        return markdown_to_text(text)
    return text


def decode_bytes(data: bytes, where: str = "input") -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; anything else is refused."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadInput(f"{where}: looks like a binary file (NUL bytes), not a text document")
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise BadInput(f"{where}: cannot decode as UTF-8 or GB18030 text (binary or another encoding)")


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t\f") or 0xE000 <= ord(ch) <= 0xF8FF or ch == "\ufffd")
    return bad / len(sample) < 0.01


class _HTMLText(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article", "td", "th", "hr"}
    _SKIP = {"script", "style", "noscript", "head", "nav", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip_depth:
            self.parts.append(data.replace("\n", " ").replace("\r", " "))


def html_to_text(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return "\n\n".join(line.strip(" \t") for line in text.split("\n") if line.strip())


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+(?=\S)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def markdown_to_text(text: str) -> str:
    """Drop Markdown markup (heading marks, bullets, emphasis, links), keep the words."""
    out = []
    for line in text.splitlines():
        if re.fullmatch(r"\s*(-{3,}|\*{3,}|_{3,}|\|?[\s:|-]+\|?)\s*", line) and line.strip():
            continue  # rules and table separators
        line = _MD_HEADING.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        if _MD_LIST.match(line) and not re.match(r"^\s*\d+\.\S", line):
            line = _MD_LIST.sub("", line)
        line = _MD_EMPHASIS.sub("", line)
        if line.strip().startswith("|"):
            line = "\n".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        out.append(line)
    return "\n".join(out)


def _check_chars(count: int, where: str) -> None:
    if count > MAX_TEXT_CHARS:
        raise BadInput(f"{where}: more than {MAX_TEXT_CHARS:,} characters of text; one document holds at most that many")


def check_zip(data: bytes, where: str) -> None:
    """Refuse a zip (a .docx) whose members would unpack past MAX_UNZIPPED_BYTES or number over
    MAX_ZIP_MEMBERS, from its directory alone, before anything is inflated."""
    import zipfile

    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BadInput(f"{where}: not a readable .docx file ({type(exc).__name__})") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise BadInput(f"{where}: the .docx holds {len(members):,} parts; at most {MAX_ZIP_MEMBERS:,} are accepted")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNZIPPED_BYTES:
        raise BadInput(f"{where}: the .docx would unpack to {unpacked / 1e6:,.0f} MB; at most "
                       f"{MAX_UNZIPPED_BYTES // (1024 * 1024)} MB are accepted (a zip bomb?)")


def _docx_text(data: bytes, where: str) -> str:
    try:
        import docx  # python-docx
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise BadInput(f"{where}: reading .docx needs python-docx") from exc
    check_zip(data, where)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise BadInput(f"{where}: not a readable .docx file ({type(exc).__name__})") from exc
    lines, chars = [], 0
    for text in _docx_lines(document):
        chars += len(text) + 2
        _check_chars(chars, where)
        lines.append(text)
    return "\n\n".join(lines)


def _docx_lines(document):
    for p in document.paragraphs:
        yield p.text
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield cell.text


def _pdf_text(data: bytes, where: str) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise BadInput(f"{where}: reading .pdf needs pypdf") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        count = len(reader.pages)
    except Exception as exc:
        raise BadInput(f"{where}: not a readable PDF ({type(exc).__name__})") from exc
    if count > MAX_PDF_PAGES:
        raise BadInput(f"{where}: the PDF has {count:,} pages; at most {MAX_PDF_PAGES:,} are accepted")
    pages, chars = [], 0
    for page in reader.pages:
        try:
            text = page.extract_text() or ""
        except Exception as exc:
            raise BadInput(f"{where}: not a readable PDF ({type(exc).__name__})") from exc
        chars += len(text) + 1
        _check_chars(chars, where)
        pages.append(text)
    return "\n".join(pages)


def _is_chrome(line: str) -> bool:
    stripped = line.strip()
    if _BREADCRUMB.match(stripped):
        return True
    return stripped.startswith("【") and any(k in stripped for k in _CHROME_KEYWORDS)


def clean_text(text: str) -> tuple[str, dict]:
    """Remove page chrome and tidy whitespace; return the cleaned text and what the page header said.

    Lines are kept verbatim apart from surrounding whitespace.  Paragraphs are separated by one
    blank line; a box delimiter (a line of no-break spaces) becomes two blank lines.
    """
    text = html.unescape(text) if "&nbsp;" in text or "&#" in text else text
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    meta: dict = {}
    # The page header (breadcrumbs, repeated title, "发布人: … 发布时间: … 来源: …") sits above the
    # line carrying the page metadata, near the top of a web copy.
    for i, line in enumerate(lines[:20]):
        if _PAGE_META.search(line) and len(line.strip()) < 120:
            meta = parse_page_meta(line)
            crumbs = {c.strip(" \u00a0") for l in lines[:i] if _BREADCRUMB.match(l.strip())
                      for c in re.split(r"->|>|＞|»|/", l.split(":", 1)[-1].split("：", 1)[-1])}
            header_title = "".join(l.strip(" \u00a0") for l in lines[:i]
                                   if l.strip(" \u00a0") and not _is_chrome(l) and l.strip(" \u00a0") not in crumbs)
            if header_title:
                meta["page_title"] = header_title
            lines = lines[i + 1:]
            break
    out: list[str] = []
    pending_blank = 0
    for raw in lines:
        if _is_chrome(raw):
            continue
        line = raw.strip(" \t\u00a0\u3000\u2002\u2003\u200b\ufeff")
        if not line:
            if raw and set(raw) <= {"\u00a0", " ", "\u3000"} and "\u00a0" in raw:
                pending_blank = 2
            else:
                pending_blank = max(pending_blank, 1)
            continue
        if out:
            out.append("\n" * (pending_blank + 1) if pending_blank else "\n\n")
        out.append(line)
        pending_blank = 0
    return "".join(out), meta


def parse_page_meta(line: str) -> dict:
    meta = {}
    for key, name in (("发布人", "publisher"), ("发布时间", "published"), ("发布日期", "published"), ("来源", "source")):
        m = re.search(key + r"\s*[:：]\s*(\S+)", line)
        if m:
            meta[name] = m.group(1)
    if "published" in meta:
        m = re.match(r"(\d{4})\D(\d{1,2})\D(\d{1,2})", meta["published"])
        if m:
            meta["published"] = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return meta


def guess_title(text: str) -> str:
    """The first short line that reads like a title, else ''."""
    for line in text.split("\n")[:10]:
        line = line.strip()
        if 4 <= len(line) <= 60 and not re.search(r"[。;；:：]$", line):
            return line
    return ""
