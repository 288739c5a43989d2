"""Chinese search for the Chinese edition.

Sphinx's Chinese index (jieba) drops every one-character word, so 熵
(entropy), the book's first subject, cannot be found, and it splits terms
such as 交叉熵 into 交叉 + 熵. This language keeps one-character Han words
and teaches jieba the book's terms (``locales/zh_CN/search_words.txt``).
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.search.zh import SearchChinese

WORDS = Path(__file__).resolve().parents[2] / "locales" / "zh_CN" / "search_words.txt"
HAN = re.compile(r"[\u3400-\u9fff]")
# one-character function words: kept out of the index and out of queries
FUNCTION_WORDS = set("的了是在和与及或而也就都有把被对从为以这那个着之其所")


class ChineseSearch(SearchChinese):
    """Sphinx's ``zh`` search, with one-character Han words and our terms."""

    stopwords = SearchChinese.stopwords | FUNCTION_WORDS

    def init(self, options: dict[str, str]) -> None:
        super().init({"dict": str(WORDS), **options})

    def word_filter(self, stemmed_word: str) -> bool:
        """Keep words of two or more characters, and single Han characters.

        >>> search = ChineseSearch({})
        >>> words = ("熵", "率", "的", "a", "：", "KL")
        >>> [w for w in words if search.word_filter(w)]
        ['熵', '率', 'KL']
        """
        if stemmed_word in self.stopwords:
            return False
        return len(stemmed_word) > 1 or bool(HAN.fullmatch(stemmed_word))
