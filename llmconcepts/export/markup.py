"""Card text to HTML that Anki shows exactly as written.

Card text is plain text in which ``*emphasis*`` and ``**strong**`` mark emphasis
(docs/card-format.md). For Anki it becomes HTML:

* ``<``, ``>``, ``&`` and ``"`` are escaped, so ``a < b`` shows as written and
  never opens a tag;
* every ``{`` and ``}`` becomes a character reference (``&#123;``, ``&#125;``): the
  browser shows a brace, but the stored field never contains ``{{``, which Anki
  (and any tool that re-renders our fields as templates) would read as a field
  reference;
* control characters other than tab and newline are dropped: Anki separates a
  note's fields with U+001F, so one inside a field would split it;
* emphasis is parsed by markdown-it-py (CommonMark) restricted to paragraphs,
  line breaks and emphasis, with raw HTML off: ``*x*`` and ``_x_`` become
  ``<em>``, ``**x**`` ``<strong>``, and nothing else is interpreted (no headings,
  lists, links or code), matching what the terminal shows (``ui/study_screen.py``).
  CommonMark's flanking rules keep ``2 * 3 * 4`` and ``x_1`` literal.

One-line text without ``*`` and without a ``_`` that could delimit emphasis cannot
contain emphasis, so it skips the parser: escaping it gives the same HTML as the
parser would (a test checks this with generated text) at a fraction of the cost,
which keeps a 10,000-card export fast. An underscore between two ASCII letters or
digits (``head_dim``, ``trade_off``) can neither open nor close emphasis
(CommonMark 0.31, "left-flanking and right-flanking delimiter runs", rule for ``_``).
"""

from __future__ import annotations

import re
from functools import lru_cache

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


@lru_cache(maxsize=1)
def _parser():  # -> markdown_it.MarkdownIt
    from markdown_it import MarkdownIt

    # "zero" enables only paragraphs and plain text; add line breaks and emphasis.
    return MarkdownIt("zero", {"html": False}).enable(["newline", "emphasis"])


def clean(text: str) -> str:
    """``text`` without control characters (tab and newline kept); CR LF becomes LF."""
    if text.isprintable():  # the common case, checked in C: no control character at all
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _word_character(char: str) -> bool:
    return char.isascii() and char.isalnum()


def needs_parser(text: str) -> bool:
    """True if ``text`` may hold emphasis or line breaks: a ``*``, a newline, or a ``_``
    that is not between two ASCII letters or digits."""
    if "*" in text or "\n" in text:
        return True
    position = text.find("_")
    while position != -1:
        before = text[position - 1] if position else " "
        after = text[position + 1] if position + 1 < len(text) else " "
        if not (_word_character(before) and _word_character(after)):
            return True
        position = text.find("_", position + 1)
    return False


def neutralise_braces(html: str) -> str:
    """Replace every ``{``/``}`` with its character reference (same glyph, no ``{{``)."""
    return html.translate(_BRACES) if "{" in html or "}" in html else html


def escape(text: str) -> str:
    """Escape ``&``, ``<``, ``>`` and ``"`` exactly as markdown-it-py does (``'`` stays)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@lru_cache(maxsize=8192)  # titles and sources repeat on every facet of a concept
def plain_html(text: str) -> str:
    """Text shown literally (titles, sources, ids): escaped, braces neutralised."""
    return neutralise_braces(escape(clean(text).strip()))


def rich_html(text: str) -> str:
    """Card text (prompt, answer) as HTML paragraphs with emphasis rendered.

    Returns:
        ``<p>...</p>`` per paragraph (blank lines separate paragraphs), no newline
        at the end; ``""`` for blank text.
    """
    text = clean(text)
    content = text.strip(" \t")
    if needs_parser(text) or content[:1].isspace() or content[-1:].isspace():
        # Emphasis or line breaks; or other white space at an end, which CommonMark
        # trims by its own definition: leave it to the parser.
        return neutralise_braces(_parser().render(text).strip())
    # One line, no emphasis: what the parser makes of it, without parsing.
    return f"<p>{neutralise_braces(escape(content))}</p>" if content else ""


def inline_html(text: str) -> str:
    """A one-line text (a key point) with emphasis rendered, without a ``<p>`` around it."""
    text = " ".join(clean(text).split())
    if not needs_parser(text):
        return plain_html(text)
    return neutralise_braces(_parser().renderInline(text))


def html_list(items: list[str]) -> str:
    """``<ul><li>..</li>...</ul>`` of HTML items; ``""`` when there are none."""
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
