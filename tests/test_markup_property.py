"""Property: in Markdown full of site-generator syntax, only prose reaches the ear.

Documents are built from random prose words mixed with random shortcodes, Liquid
tags, footnotes, raw HTML, kramdown attributes, wikilinks, images and links. Then
(a) every prose word reaches the sentence speech, in order (footnote words after the
rest, behind "Notes"), and (b) no markup token is ever spoken. Prose words use
letters without q and z; every piece of markup that must not be spoken carries
"zq", so any leak of an argument, attribute, link target or alt text shows.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrate.segment import load_document
from narrate.settings import Settings, TextSettings

WORD = st.text(alphabet="abcdefghijklmnoprstuvw", min_size=3, max_size=8)
WORDS = st.lists(WORD, min_size=1, max_size=4)
PROPERTY = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Inline markup that says nothing: (template). Templates with {w} wrap prose words.
SILENT_INLINE = [
    "{{< youtube zq5xH0HfJHsaY >}}",
    '{{< figure src="zq.jpg" caption="zq caption" >}}',
    "{{% notice zqtip %}}",
    "{% include zqtoc.html %}",
    "{% youtube zqabc %}",
    "{{ page.zqtitle }}",
    "{{ site.zq | relative_url }}",
    "![zq alt text](zqimage.png)",
    '<img src="zq.png" alt="zq alt">',
    "![[zqembed.png]]",
    "<!--more-->",
    '<span class="zq"></span>',
]
WRAPPING_INLINE = [
    "{{{{< quote zqauthor >}}}}{w}{{{{< /quote >}}}}",
    "{{{{% zqbox %}}}}{w}{{{{% /zqbox %}}}}",
    "{{% raw %}}{w}{{% endraw %}}",
    "[{w}](https://zq.example.com/zq/path)",
    "[{w}][zqref]",
    '<a href="https://zq.example.org/a" title="zq">{w}</a>',
    '<b class="zq">{w}</b>',
    "<em>{w}</em>",
    "**{w}**",
    "[[zqfolder/zqtarget#zqpart|{w}]]",
    "[[zqfolder/{w}]]",
    "`{w}`",
]
SILENT_BLOCKS = [
    "{: .zqclass}",
    '{:width="zq350"}',
    "{% comment %}zq never read{% endcomment %}",
    "{{< youtube zqid >}}",
    "<!-- zq comment -->",
    "```\nzq code\n```",
    '<div class="zq"><img src="zq.png" alt="zq"></div>',
]
WRAPPING_BLOCKS = [
    '<div class="zq" data-zq="zq">{w}</div>',
    '<figure><img src="zq.jpg" alt="zq"><figcaption>{w}</figcaption></figure>',
    "<details><summary>{w}</summary></details>",
    '<h2 id="zq">{w}</h2>',
    '<p style="zq">{w}</p>',
    "> {w}",
    "- {w}",
    '<div class="zq">\n[{w}](https://zq.example.com/zq) ![zq alt](zq.png)\n</div>',
    '<a href="https://zq.example.io/zq">\n![zq alt](zq.png)\n</a>\n*{w}*',
    "<details><summary>**{w}**</summary>\n</details>",
]
MARKUP_TOKENS = ("{{", "}}", "{%", "%}", "[^", "](", "<", ">", "[[", "]]", "{:", "zq", "http")


@st.composite
def posts(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A post and the words its speech must hold, in order."""
    paragraphs: list[str] = []
    words: list[str] = []
    notes: list[list[str]] = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 4)) == 0:  # a block of markup
            if draw(st.booleans()):
                paragraphs.append(draw(st.sampled_from(SILENT_BLOCKS)))
            else:
                these = draw(WORDS)
                paragraphs.append(draw(st.sampled_from(WRAPPING_BLOCKS)).format(w=" ".join(these)))
                words.extend(these)
            continue
        pieces: list[str] = []
        for _ in range(draw(st.integers(1, 8))):
            choice = draw(st.integers(0, 5))
            if choice == 0:
                pieces.append(draw(st.sampled_from(SILENT_INLINE)))
            elif choice == 1:
                these = draw(WORDS)
                pieces.append(draw(st.sampled_from(WRAPPING_INLINE)).format(w=" ".join(these)))
                words.extend(these)
            elif choice == 2:
                note = draw(WORDS)
                notes.append(note)
                pieces.append(f"[^zq{len(notes)}]")
            else:
                these = draw(WORDS)
                pieces.append(" ".join(these))
                words.extend(these)
        paragraphs.append(" ".join(pieces))
    paragraphs.append("[zqref]: https://zq.example.net/zq")
    if draw(st.booleans()):  # a note defined but never referenced: read last
        notes.append(draw(WORDS))
    for i, note in enumerate(notes, 1):
        paragraphs.append(f"[^zq{i}]: {' '.join(note)}")
    if notes:
        words.append("Notes")
        words.extend(w for note in notes for w in note)
    if draw(st.booleans()):
        paragraphs.append("#zqtag #zqreview")
    return "\n\n".join(paragraphs) + "\n", words


def spoken(path: Path, footnotes: str = "read") -> list[str]:
    doc = load_document(path, Settings(text=TextSettings(footnotes=footnotes)))
    return [s.speech for seg in doc.segments for s in seg.sentences]


@PROPERTY
@given(post=posts())
def test_only_prose_reaches_the_ear(tmp_path: Path, post: tuple[str, list[str]]) -> None:
    text, words = post
    path = tmp_path / "post.md"
    path.write_text(text, encoding="utf-8")
    try:
        speech = spoken(path)
    except Exception as exc:  # only a post with no prose at all may be refused
        assert not words, (text, exc)
        return
    assert re.findall(r"\w+", " ".join(speech)) == words, text
    for sentence in speech:
        for token in MARKUP_TOKENS:
            assert token not in sentence, (token, sentence, text)


@PROPERTY
@given(post=posts())
def test_skipped_footnotes_are_not_read(tmp_path: Path, post: tuple[str, list[str]]) -> None:
    text, words = post
    if "Notes" in words:
        words = words[: words.index("Notes")]
    path = tmp_path / "post.md"
    path.write_text(text, encoding="utf-8")
    try:
        speech = spoken(path, "skip")
    except Exception as exc:
        assert not words, (text, exc)
        return
    assert re.findall(r"\w+", " ".join(speech)) == words, text


# ----------------------------------------------------------------------------- HTML

HTML_SILENT = [
    '<img src="zq.png" alt="zq alt">',
    "<!-- zq comment -->",
    "<script>zq = 1;</script>",
    '<sup id="zqref1"><a href="#zqfn1">1</a></sup>',
    '<span hidden>zq hidden</span>',
    "<br>",
]
HTML_WRAPPING = [
    '<a href="https://zq.example.com/zq" title="zq">{w}</a>',
    '<b class="zq">{w}</b>',
    '<span data-zq="zq">{w}</span>',
    "<em>{w}</em>",
]
HTML_BLOCKS = [
    "<p>{w}</p>",
    '<figure><img src="zq.jpg" alt="zq"><figcaption>{w}</figcaption></figure>',
    "<details><summary>{w}</summary></details>",
    '<h2 id="zq">{w}</h2>',
    "<blockquote><p>{w}</p></blockquote>",
    "<ul><li>{w}</li></ul>",
    '<div class="zq" style="zq">{w}</div>',
]


@st.composite
def pages(draw: st.DrawFn) -> tuple[str, list[str]]:
    """An HTML article and the words its speech must hold, in order."""
    parts: list[str] = []
    words: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        pieces: list[str] = []
        for _ in range(draw(st.integers(1, 6))):
            choice = draw(st.integers(0, 3))
            if choice == 0:
                pieces.append(draw(st.sampled_from(HTML_SILENT)))
            else:
                these = draw(WORDS)
                template = "{w}" if choice == 1 else draw(st.sampled_from(HTML_WRAPPING))
                pieces.append(template.format(w=" ".join(these)))
                words.extend(these)
        parts.append(draw(st.sampled_from(HTML_BLOCKS)).format(w=" ".join(pieces)))
    notes = draw(st.lists(WORDS, max_size=2))
    if notes:
        items = "".join(f"<li>{' '.join(n)} <a href='#zqref'>↩</a></li>" for n in notes)
        parts.append(f"<section class='footnotes'><ol>{items}</ol></section>")
        words.append("Notes")
        words.extend(w for n in notes for w in n)
    return "<html><body><article>" + "".join(parts) + "</article></body></html>", words


@PROPERTY
@given(page=pages())
def test_only_prose_of_a_page_reaches_the_ear(tmp_path: Path, page: tuple[str, list[str]]) -> None:
    text, words = page
    path = tmp_path / "page.html"
    path.write_text(text, encoding="utf-8")
    try:
        speech = spoken(path)
    except Exception as exc:
        assert not words, (text, exc)
        return
    assert re.findall(r"\w+", " ".join(speech)) == words, text
    for sentence in speech:
        for token in MARKUP_TOKENS:
            assert token not in sentence, (token, sentence, text)
