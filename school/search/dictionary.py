"""The party-work dictionary jieba cuts with, and the version an index was cut with.

jieba's own dictionary does not know 三会一课 or 组织关系转接: it cuts them into parts, and a
search for the term then also finds texts that hold the parts apart. ``dictionary.txt`` beside
this module lists such terms with a frequency that keeps them whole; every process loads it once,
together with jieba's main dictionary.

Documents and queries must be cut with the same dictionary, or a query's whole word is looked for
in an index that only has its parts. So the index records the dictionary its words were cut with
(search_index_state for the documents' words and PostgreSQL; a file in each Whoosh generation),
and queries and new writes are cut with the index's dictionary, not the code's, until
``flask search reindex`` has cut everything anew: an old index stays searchable meanwhile.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

FILE = Path(__file__).with_name("dictionary.txt")


class DictionaryError(ValueError):
    """A line of the dictionary file that jieba cannot take."""


@dataclass(frozen=True)
class Dictionary:
    """The words added to jieba's main dictionary: (word, frequency or None, part of speech)."""

    entries: tuple[tuple[str, int | None, str | None], ...] = ()

    @functools.cached_property
    def text(self) -> str:
        """The entries one per line as jieba's user dictionaries write them (comments dropped)."""
        return "".join(
            " ".join(str(part) for part in entry if part is not None) + "\n"
            for entry in self.entries
        )

    @functools.cached_property
    def version(self) -> str:
        """A short hash of the entries and of jieba's version (its main dictionary)."""
        import jieba

        content = f"jieba {jieba.__version__}\n{self.text}".encode()
        return hashlib.sha256(content).hexdigest()[:16]


# What indexes written before the dictionary existed were cut with: jieba's main dictionary alone.
NONE = Dictionary()


def parse(text: str) -> Dictionary:
    """The entries of a dictionary file: ``词语 [词频] [词性]`` per line, ``#`` comments."""
    entries = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) > 3:
            raise DictionaryError(
                f"搜索词典第 {number} 行：最多三项（词语 词频 词性），这里有 {len(parts)} 项"
            )
        word = parts[0]
        if word in seen:
            raise DictionaryError(f"搜索词典第 {number} 行：“{word}”已在第 {seen[word]} 行出现过")
        seen[word] = number
        frequency = None
        if len(parts) > 1:
            if not parts[1].isdigit() or int(parts[1]) < 1:
                raise DictionaryError(
                    f"搜索词典第 {number} 行：“{word}”的词频必须是正整数，不是“{parts[1]}”"
                )
            frequency = int(parts[1])
        tag = parts[2] if len(parts) > 2 else None
        entries.append((word, frequency, tag))
    return Dictionary(tuple(entries))


@functools.lru_cache(maxsize=1)
def current() -> Dictionary:
    """The dictionary this code ships (read once per process)."""
    return parse(FILE.read_text(encoding="utf-8"))


_lock = threading.Lock()
_tokenizers: dict[str, jieba.Tokenizer] = {}
log = logging.getLogger(__name__)


def tokenizer(dictionary: Dictionary | None = None) -> jieba.Tokenizer:
    """jieba with its main dictionary and ``dictionary``'s words (default: the current one),
    loaded once per process and dictionary; the first call waits for the load."""
    dictionary = dictionary or current()
    found = _tokenizers.get(dictionary.version)
    if found is not None:
        return found
    with _lock:
        found = _tokenizers.get(dictionary.version)
        if found is None:
            found = _load(dictionary)
            _tokenizers[dictionary.version] = found
    return found


def _load(dictionary: Dictionary) -> jieba.Tokenizer:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    # A tokenizer of our own rather than jieba's shared one: an index of another version is
    # still searched with its own dictionary while a reindex runs.
    loaded = _tokenizer_class()()
    loaded.initialize()
    for word, frequency, tag in dictionary.entries:
        loaded.add_word(word, frequency, tag)
    if dictionary.version != current().version:
        log.info("search: jieba loaded with the index's dictionary %s", dictionary.version)
    return loaded


@functools.cache
def _tokenizer_class() -> type:
    """jieba's Tokenizer with its word graph's best path found without a generator per
    character: the same words (tests/search/test_dictionary.py compares them), a fifth less of
    the time jieba takes in a reindex."""
    import jieba

    class Tokenizer(jieba.Tokenizer):
        def get_DAG(self, sentence):
            self.check_initialized()
            freq = self.FREQ
            dag = {}
            length = len(sentence)
            for start in range(length):
                ends = []
                end = start
                fragment = sentence[start]
                while end < length and fragment in freq:
                    if freq[fragment]:
                        ends.append(end)
                    end += 1
                    fragment = sentence[start : end + 1]
                dag[start] = ends or [start]
            return dag

        def calc(self, sentence, DAG, route):
            # The same sums in the same order as jieba's max() over a generator, so the same
            # floating-point scores; the first of equal scores wins there and here.
            route[len(sentence)] = (0, 0)
            log, logtotal, get = math.log, math.log(self.total), self.FREQ.get
            for start in range(len(sentence) - 1, -1, -1):
                best = None
                for end in DAG[start]:
                    weight = log(get(sentence[start : end + 1]) or 1) - logtotal
                    score = (weight + route[end + 1][0], end)
                    if best is None or score > best:
                        best = score
                route[start] = best

    return Tokenizer
