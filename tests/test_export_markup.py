"""Card text to Anki HTML: escaping, `{{` neutralised, emphasis via markdown-it-py.

The shortcut for one-line text without `*` (and with underscores only inside words)
must give exactly the HTML the Markdown parser gives; hypothesis checks that on
generated text, underscores included.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from llmconcepts.export import markup


def parsed(text: str) -> str:
    """What the Markdown parser alone makes of ``text`` (no shortcut)."""
    return markup.neutralise_braces(markup._parser().render(markup.clean(text)).strip())


def test_html_special_characters_and_braces():
    assert markup.rich_html('a < b & c > d "q" {{x}}') == \
        "<p>a &lt; b &amp; c &gt; d &quot;q&quot; &#123;&#123;x&#125;&#125;</p>"
    assert markup.plain_html("  <b>{{Front}}</b>  ") == "&lt;b&gt;&#123;&#123;Front&#125;&#125;&lt;/b&gt;"


def test_emphasis_and_strong_but_nothing_else_of_markdown():
    assert markup.rich_html("*a* and **b** and _c_") == "<p><em>a</em> and <strong>b</strong> and <em>c</em></p>"
    assert markup.rich_html("# not a heading\n1. not a list\n[not](a link) `not code`") == (
        "<p># not a heading\n1. not a list\n[not](a link) `not code`</p>"
    )
    assert markup.rich_html("2 * 3 * 4 and x_1 and snake_case") == "<p>2 * 3 * 4 and x_1 and snake_case</p>"
    assert markup.rich_html("x_{t-1} and _x_ and head_dim_") == "<p>x_&#123;t-1&#125; and <em>x</em> and head_dim_</p>"
    assert markup.rich_html("<em>raw html</em> *real*") == "<p>&lt;em&gt;raw html&lt;/em&gt; <em>real</em></p>"


def test_paragraphs_and_control_characters():
    assert markup.rich_html("one\ntwo\r\n\r\nthree") == "<p>one\ntwo</p>\n<p>three</p>"
    assert markup.rich_html("field\x1fseparator\x00") == "<p>fieldseparator</p>"  # U+001F splits Anki fields
    assert markup.rich_html("   ") == ""


def test_inline_html_for_key_points():
    assert markup.inline_html("a < b, *stressed*") == "a &lt; b, <em>stressed</em>"
    assert markup.inline_html("no  markup\n here") == "no markup here"
    assert markup.html_list([]) == "" and markup.html_list(["x"]) == "<ul><li>x</li></ul>"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="*\n\r", blacklist_categories=("Cs",)))
       | st.from_regex(r"[a-z0-9 ]*([a-z0-9]_[a-z0-9 ]*)+", fullmatch=True))
def test_the_shortcut_gives_what_the_parser_gives(text):
    assert markup.rich_html(text) == parsed(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="*", blacklist_categories=("Cs",)))
       | st.from_regex(r"[a-z0-9 ]*([a-z0-9]_[a-z0-9 ]*)+", fullmatch=True))
def test_the_inline_shortcut_gives_what_the_parser_gives(text):
    collapsed = " ".join(markup.clean(text).split())
    assert markup.inline_html(text) == markup.neutralise_braces(markup._parser().renderInline(collapsed))
