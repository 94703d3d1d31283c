"""The reviewed vocabulary files in `indexer/vocab/`: domain terms, synonyms, stop words, concepts.

Formats are documented in `indexer/vocab/README.md`.  Every entry is normalised the same way as
the text it is matched against.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .normalize import normalize

VOCAB_DIR = Path(__file__).parent / "vocab"
FILES = ("domain_terms.txt", "synonyms.tsv", "stopwords.txt", "concepts.tsv")
CONCEPT_KINDS = ("situation", "condition", "topic", "qtype")


@dataclass
class Concept:
    kind: str
    label: str
    triggers: list[str]


@dataclass
class Vocabulary:
    terms: dict[str, int] = field(default_factory=dict)          # jieba user words and frequencies
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # alias → plan wording
    stopwords: frozenset[str] = frozenset()
    speech: frozenset[str] = frozenset()   # everyday nouns of speech (speech_nouns.txt): never a question's unknown subject
    concepts: list[Concept] = field(default_factory=list)
    digest: str = ""

    def concepts_of(self, kind: str) -> list[Concept]:
        return [c for c in self.concepts if c.kind == kind]


def _lines(path: Path):
    if not path.exists():
        return
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield n, line


def load_vocabulary(directory: Path = VOCAB_DIR) -> Vocabulary:
    directory = Path(directory)
    digest = hashlib.sha256()
    for name in FILES:
        p = directory / name
        digest.update(name.encode() + (p.read_bytes() if p.exists() else b""))
    terms: dict[str, int] = {}
    for _, line in _lines(directory / "domain_terms.txt"):
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 5000
        terms[normalize(parts[0])] = freq
    synonyms: dict[str, list[str]] = {}
    for _, line in _lines(directory / "synonyms.tsv"):
        if "\t" not in line:
            continue
        alias, targets = line.split("\t", 1)
        alias = normalize(alias.strip())
        found = [normalize(t.strip()) for t in targets.split("|") if t.strip()]
        if alias and found:
            synonyms.setdefault(alias, [])
            synonyms[alias] += [t for t in found if t not in synonyms[alias] and t != alias]
    stopwords = frozenset(normalize(line.strip()) for _, line in _lines(directory / "stopwords.txt"))
    concepts: list[Concept] = []
    for _, line in _lines(directory / "concepts.tsv"):
        parts = line.split("\t")
        if len(parts) < 3 or parts[0].strip() not in CONCEPT_KINDS:
            continue
        triggers = [normalize(t.strip()) for t in parts[2].split("|") if t.strip()]
        label = parts[1].strip()
        if label and normalize(label) not in triggers and parts[0].strip() != "qtype":
            triggers.append(normalize(label))
        concepts.append(Concept(parts[0].strip(), label, triggers))
    # question side only, so not part of the digest: it changes no clause, token or vector of an index
    speech = frozenset(normalize(w) for _, line in _lines(directory / "speech_nouns.txt") for w in line.split())
    return Vocabulary(terms, synonyms, stopwords, speech, concepts, digest.hexdigest()[:16])


@functools.lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return load_vocabulary(VOCAB_DIR)
