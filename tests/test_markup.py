"""Markup that is not prose: each class, with the exact speech it gives.

Every fixture asserts the sentence speech strings of ``load_document`` chapter by
chapter (what the engine is given), so a markup token that reaches the ear fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrate.loading import Block, html_blocks, markdown_blocks
from narrate.loading.markup import strip_site_syntax
from narrate.segment import load_document
from narrate.settings import Settings, TextSettings


def speech(tmp_path: Path, text: str, name: str = "post.md", **text_settings: object) -> list:
    """Each chapter's sentence speech strings, with its title and block kinds."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    settings = Settings(text=TextSettings(**text_settings))  # type: ignore[arg-type]
    doc = load_document(path, settings)
    return [[s.speech for s in seg.sentences] for seg in doc.segments]


# ----------------------------------------------------------- site-generator syntax


def test_hugo_shortcodes(tmp_path: Path) -> None:
    text = (
        "Intro {{< youtube 5xH0HfJHsaY >}} ends here.\n\n"
        "{{< youtube id=\"abc\" >}}\n\n"
        "Before\n{{% notice tip %}}\nafter.\n\n"
        "{{< quote author=\"Ann\" >}}A kept quote.{{< /quote >}}\n\n"
        "{{< highlight go >}}\nfunc main() {}\n{{< /highlight >}}\n\n"
        "Escaped {{</* figure src=\"x\" */>}} gone. {{< figure src=\"a.jpg\" />}}\n"
    )
    assert speech(tmp_path, text) == [
        ["Intro ends here."],
        ["Before after."],  # a shortcode on its own line does not split a paragraph
        ["A kept quote."],
        ["Escaped gone."],
    ]


@pytest.mark.parametrize("name", ["post.md", "post.html"])
def test_wordpress_shortcodes(tmp_path: Path, name: str) -> None:
    """Posts exported from WordPress (a real Jekyll review spoke '[expand title=…]')."""
    body = (
        '[caption id="" align="alignnone" width="300"]Poster. The film\'s poster.[/caption]',
        '[expand title="Spoilers"]The twist is [b]that[/b] he was dead.[/expand]',
        '[gallery ids="1,2,3"]',
        "A great film [sic], rated [1] by me. [youtube https://youtu.be/x]",
        '[code lang="py"]print(1)[/code]',
        "[embed]https://example.org/trailer[/embed]",
        "The end.",
    )
    text = "\n\n".join(body) if name.endswith(".md") else "".join(
        f"<p>{line}</p>" for line in body
    )
    assert speech(tmp_path, text, name) == [
        ["Poster.", "The film's poster."],
        ["The twist is that he was dead."],
        ["A great film [sic], rated [1] by me."],
        ["The end."],
    ]


def test_liquid_tags(tmp_path: Path) -> None:
    text = (
        "{% include toc %}\n\n"
        "It opens {% youtube abc123 %} strongly, says {{ page.author }}.\n\n"
        "{% comment %}Never read.{% endcomment %}\n\n"
        "{% highlight ruby %}\nputs 1\n{% endhighlight %}\n\n"
        "{%- assign x = 1 -%}\n"
        "Raw: {% raw %}the braces stay{% endraw %} here.\n\n"
        "{# a Nunjucks comment #}Last [link]({{ site.baseurl }}/x) words.\n"
    )
    assert speech(tmp_path, text) == [
        ["It opens strongly, says."],
        ["Raw: the braces stay here."],
        ["Last link words."],
    ]


def test_raw_keeps_its_content_exactly() -> None:
    assert strip_site_syntax("A {% raw %}{{ x }} {% y %}{% endraw %} b\n") == (
        "A {{ x }} {% y %} b\n"
    )


def test_kramdown_more_and_reference_definitions(tmp_path: Path) -> None:
    text = (
        "* TOC\n{:toc}\n\n"
        "## The film {#film .big}\n\n"
        "A paragraph.\n{: .lead}\n\n"
        "![still](still.jpg){:width=\"350\"}\n\n"
        "Teaser text.\n\n<!--more-->\n\n"
        "{::comment}\nhidden\n{:/comment}\n\n"
        "See [the site][site] for more.\n\n"
        "[site]: https://example.com/page \"Title\"\n"
    )
    assert speech(tmp_path, text) == [
        ["TOC."],
        ["The film", "A paragraph."],
        ["Teaser text."],
        ["See the site for more."],
    ]


def test_escaped_characters_are_unescaped(tmp_path: Path) -> None:
    text = "A \\*not emphasis\\* and \\[brackets\\] and 5 \\> 3 \\#1.\n"
    assert speech(tmp_path, text) == [["A not emphasis and [brackets] and 5 > 3 #1."]]


# ------------------------------------------------------------------------ Obsidian


def test_obsidian_wikilinks_embeds_and_tags(tmp_path: Path) -> None:
    text = (
        "Compare [[Films/Pain and Glory#Cast|the cast]] with [[Films/Talk to Her]] "
        "and [[Volver#Ending]].\n\n"
        "![[poster.png]]\n\n"
        "Last words. #film #almodovar\n"
        "#review #year2019\n"
    )
    assert speech(tmp_path, text) == [
        ["Compare the cast with Talk to Her and Volver."],
        ["Last words."],
    ]


# ----------------------------------------------------------------------- footnotes


FOOTNOTES = (
    "# Title\n\n"
    "It is long[^1] and loud.[^long]\n\n"
    "[^1]: Two hours and a *half*.\n"
    "[^long]: The sound mix.\n\n"
    "    A second paragraph of the note.\n\n"
    "The verdict^[An inline note.] is clear.\n"
)


def test_footnotes_are_one_notes_chapter_at_the_end(tmp_path: Path) -> None:
    assert speech(tmp_path, FOOTNOTES) == [
        ["It is long and loud."],
        ["The verdict is clear."],
        [
            "Notes",
            "Two hours and a half.",
            "The sound mix.",
            "A second paragraph of the note.",
            "An inline note.",
        ],
    ]
    _, blocks = markdown_blocks(FOOTNOTES)
    assert [b.kind for b in blocks] == ["paragraph", "paragraph", "notes", "notes"]


def test_footnotes_skip(tmp_path: Path) -> None:
    assert speech(tmp_path, FOOTNOTES, footnotes="skip") == [
        ["It is long and loud."],
        ["The verdict is clear."],
    ]


def test_html_footnotes(tmp_path: Path) -> None:
    page = (
        "<article><p>Loud<sup id='fnref:1'><a href='#fn:1' class='footnote'>1</a></sup>"
        " and long<a href='#fn2' class='footnote-ref' role='doc-noteref'><sup>2</sup></a>."
        "</p><p>x<sup>2</sup> stays.</p>"
        "<div class='footnotes' role='doc-endnotes'><ol>"
        "<li id='fn:1'><p>First note. <a href='#fnref:1' class='reversefootnote'>↩</a></p></li>"
        "<li id='fn2'><p>Second note.<a href='#fnref2'>↩︎</a></p></li></ol></div></article>"
    )
    assert speech(tmp_path, page, "p.html") == [
        ["Loud and long."],
        ["x2 stays."],
        ["Notes", "First note.", "Second note."],
    ]
    assert speech(tmp_path, page, "p.html", footnotes="skip") == [
        ["Loud and long."],
        ["x2 stays."],
    ]


# ---------------------------------------------------------------------- raw HTML


def test_raw_html_in_markdown_reads_like_an_html_file(tmp_path: Path) -> None:
    text = (
        "# Forty-four films\n\n"
        "<figure>\n<img src=\"a.jpg\" alt=\"A poster\" title=\"Poster title\">\n"
        "<figcaption>Pain and Glory (2019)</figcaption>\n</figure>\n"
        "<details>\n<summary>Verdict &amp; stars</summary>\n"
        "<p>Tender &#8212; and <em>funny</em>.</p>\n</details>\n\n"
        "<h2 class=\"x\" data-note=\"not read\">Second film</h2>\n"
        "<p style=\"color:red\">Its <a href=\"https://example.com/x\">trailer</a>"
        " &eacute;blouit.</p>\n"
    )
    assert speech(tmp_path, text) == [
        ["Pain and Glory (2019)"],
        ["Verdict & stars"],
        ["Tender, and funny."],
        ["Second film", "Its trailer éblouit."],
    ]


def test_page_of_reviews_as_raw_html_is_readable(tmp_path: Path) -> None:
    reviews = "\n".join(
        f"<figure><img src=\"{i}.jpg\"><figcaption>Film {i}</figcaption></figure>\n"
        f"<details><summary>Stars {i}</summary>Good film number {i}.</details>"
        for i in range(1, 45)
    )
    chapters = speech(tmp_path, "---\ntitle: Short reviews\n---\n" + reviews + "\n")
    assert len(chapters) == 3 * 44
    assert chapters[:3] == [["Film 1"], ["Stars 1"], ["Good film number 1."]]


def test_inline_html_tags_and_entities(tmp_path: Path) -> None:
    text = "A <span class=\"x\">spanned</span> word, a<br>break &amp; an &#160;entity &copy;.\n"
    assert speech(tmp_path, text) == [["A spanned word, a break & an entity ©."]]


# ------------------------------------------------------------------ links, images


def test_link_targets_are_never_read(tmp_path: Path) -> None:
    text = (
        "See [the trailer](https://example.com/trailer \"Trailer\") and "
        "<a href=\"https://example.org/a\">the site</a> and ![poster](p.jpg).\n"
    )
    (spoken,) = speech(tmp_path, text)
    assert spoken == ["See the trailer and the site and."]


def test_alt_text_only_when_asked(tmp_path: Path) -> None:
    text = "Look: ![A red poster](p.jpg)\n\n<img src=\"b.jpg\" alt=\"The blue one\">\n\nEnd.\n"
    assert speech(tmp_path, text) == [["Look:"], ["End."]]
    assert speech(tmp_path, text, alt_text=True) == [
        ["Look: A red poster"],
        ["The blue one"],
        ["End."],
    ]


# -------------------------------------------------------------------------- tables


TABLE = (
    "## Scores\n\n"
    "| Film | Score | Note |\n|---|---|---|\n"
    "| Pain and Glory | 5 | tender |\n| Volver | 4 | |\n\n"
    "After.\n"
)


def test_markdown_table_is_one_chapter_of_header_value_rows(tmp_path: Path) -> None:
    assert speech(tmp_path, TABLE) == [
        ["Scores", "Film: Pain and Glory; Score: 5; Note: tender.", "Film: Volver; Score: 4."],
        ["After."],
    ]
    _, blocks = markdown_blocks(TABLE)
    assert [b.kind for b in blocks] == ["paragraph", "table", "paragraph"]


def test_html_table_and_layout_table(tmp_path: Path) -> None:
    page = (
        "<article><table><tr><th>Film</th><th>Score</th></tr>"
        "<tr><td>Volver</td><td>4</td></tr><tr><td>Julieta</td><td>3</td></tr></table>"
        "<table><tr><td><p>Layout cell one.</p></td><td><p>Layout cell two.</p></td></tr>"
        "</table></article>"
    )
    assert speech(tmp_path, page, "p.html") == [
        ["Film: Volver; Score: 4.", "Film: Julieta; Score: 3."],
        ["Layout cell one."],
        ["Layout cell two."],
    ]
    _, blocks = html_blocks(page)
    assert blocks[0] == Block(
        "Film: Volver; Score: 4\nFilm: Julieta; Score: 3",
        items=("Film: Volver; Score: 4", "Film: Julieta; Score: 3"),
        kind="table",
    )


# -------------------------------------------------------------------------- quotes


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("q.md", "Before.\n\n> Quoted *line*.\n>\n> - quoted item\n\nAfter.\n"),
        (
            "q.html",
            "<article><p>Before.</p><blockquote><p>Quoted <i>line</i>.</p>"
            "<ul><li>quoted item</li></ul></blockquote><p>After.</p></article>",
        ),
        (
            "raw.md",
            "Before.\n\n<blockquote><p>Quoted <i>line</i>.</p>"
            "<ul><li>quoted item</li></ul></blockquote>\n\nAfter.\n",
        ),
        (
            "spanning.md",
            "Before.\n\n<blockquote>\n\nQuoted *line*.\n\n- quoted item\n\n</blockquote>\n\n"
            "After.\n",
        ),
    ],
)
def test_block_quotes_have_kind_quote(name: str, text: str) -> None:
    read = markdown_blocks if name.endswith(".md") else html_blocks
    _, blocks = read(text)
    assert [(b.text, b.kind) for b in blocks] == [
        ("Before.", "paragraph"),
        ("Quoted line.", "quote"),
        ("quoted item", "quote"),
        ("After.", "paragraph"),
    ]


def test_inline_tag_reads_as_its_word(tmp_path: Path) -> None:
    text = "Ein Vampir- #Film mit [Link](#anchor) und #1 und C# bleibt.\n"
    assert speech(tmp_path, text) == [["Ein Vampir- Film mit Link und #1 und C# bleibt."]]


# ------------------------------------------------------------------------ bare URLs

URL_REVIEW = (
    "Ein kurzer Satz hier.\n\n"
    "Verfügbar bei: https://www.justwatch.com/de/Film/nosferatu-der-untote\n"
)


def test_a_bare_url_paragraph_is_left_to_the_ear(tmp_path: Path) -> None:
    # The reader leaves the URL in the text; narrate.ear says it as its site, in the
    # review's language (detected: German).
    _, blocks = markdown_blocks(URL_REVIEW)
    assert blocks[-1].text == (
        "Verfügbar bei: https://www.justwatch.com/de/Film/nosferatu-der-untote"
    )
    assert speech(tmp_path, URL_REVIEW) == [
        ["Ein kurzer Satz hier."],
        ["Verfügbar bei: justwatch Punkt com"],
    ]


def test_a_spelled_url_is_plausible_audio() -> None:
    """espeak-ng spells a URL out: 8.03 s for three 'words' was refused as implausible."""
    from narrate.clips import verify
    from narrate.errors import ClipError

    url_line = "Verfügbar bei: https://www.justwatch.com/de/Film/nosferatu-der-untote"
    verify(22050, round(8.03 * 22050), url_line)  # 3 words + 44 letters: up to 96 s
    verify(22050, round(95.9 * 22050), url_line)
    with pytest.raises(ClipError, match=r"^96\.10 s of audio for 3 words is not plausible"):
        verify(22050, round(96.1 * 22050), url_line)
    for spelled in ("mail ann@example.org now", "see example.com/a/b now", "www.x.de ok"):
        verify(22050, round(8.5 * 22050), spelled)
    with pytest.raises(ClipError, match=r"expected 0\.0-8\.0 s"):
        verify(22050, round(8.5 * 22050), "three plain words")


def test_a_review_ending_in_a_bare_url_narrates(tmp_path: Path) -> None:
    """End to end with espeak-ng: the URL paragraph does not refuse the review."""
    import json
    import subprocess
    import sys

    path = tmp_path / "nosferatu.md"
    path.write_text(URL_REVIEW, encoding="utf-8")
    out = tmp_path / "out.mp3"
    result = subprocess.run(
        [sys.executable, "-m", "narrate", "read", str(path), "-o", str(out), "--json",
         "--profile", "draft", "--cache-dir", str(tmp_path / "cache")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [c["title"] for c in json.loads(result.stdout)["chapters"]] == [
        "Ein kurzer Satz hier.",
        "Verfügbar bei…",  # a chapter title stops before a long "word"
    ]


# ------------------------------------------------------------- saved HTML pages

OLD_THEME = """<html><head><title>Volver | A Film Diary</title></head><body>
<div id="wrapper"><div id="header"><div class="logo">A Film Diary</div>
<div id="menu"><ul><li><a href="/">Home</a></li><li><a href="/about">About me</a></li>
<li><a href="/archive">Archive of every review</a></li></ul></div></div>
<div id="content"><div class="post" id="post-12">
<h2 class="posttitle"><a href="/volver">Volver</a></h2>
<div class="entry">
<p>Raimunda works long shifts in a Madrid airport canteen, and her daughter keeps a secret
that changes the whole family for good.</p>
<p>Almodóvar films the women of La Mancha with warmth and a wicked sense of humour, and
Penélope Cruz has rarely been better than she is in this film.</p>
<p>The ghost story at its heart is told so lightly that it never once feels like a trick.</p>
</div>
<div class="share-buttons"><a href="#">Share on Facebook</a> <a href="#">Tweet this</a></div>
</div>
<div id="comments"><h3>Three comments so far</h3><div class="comment">Great review, I loved
it too and I will watch it again soon with friends.</div></div></div>
<div id="sidebar"><div class="widget"><h3>Recent posts</h3><ul><li><a href="/a">Talk to
Her</a></li><li><a href="/b">Julieta</a></li><li><a href="/c">Pain and Glory</a></li></ul>
</div><div class="widget"><h3>Categories</h3><ul><li><a href="/d">Drama</a></li>
<li><a href="/e">Comedy</a></li></ul></div></div>
<div id="footer">Copyright 2009 A Film Diary. Powered by an old blogging engine.</div>
</div></body></html>"""


def test_saved_page_of_an_old_theme_reads_as_its_article(tmp_path: Path) -> None:
    title, _ = html_blocks(OLD_THEME)
    assert title == "Volver"  # the <title> without the site's name
    assert speech(tmp_path, OLD_THEME, "volver.html") == [
        [
            "Raimunda works long shifts in a Madrid airport canteen, and her daughter "
            "keeps a secret that changes the whole family for good."
        ],
        [
            "Almodóvar films the women of La Mancha with warmth and a wicked sense of "
            "humour, and Penélope Cruz has rarely been better than she is in this film."
        ],
        ["The ghost story at its heart is told so lightly that it never once feels like a trick."],
    ]


def test_a_plain_document_is_read_whole(tmp_path: Path) -> None:
    # No furniture: no extractor, every block is read (a one-line post too).
    page = "<html><body><div><p>One.</p></div><p>Two.</p><div>Three.</div></body></html>"
    assert speech(tmp_path, page, "p.html") == [["One."], ["Two."], ["Three."]]


def test_a_short_post_with_furniture_keeps_its_words(tmp_path: Path) -> None:
    # Too little text for the extractor: the body is read, the post's words included.
    page = (
        "<html><body><div id='sidebar'>Links</div><div class='entry'><p>Short post.</p>"
        "</div></body></html>"
    )
    assert speech(tmp_path, page, "p.html") == [["Links"], ["Short post."]]


def test_deep_page_with_furniture_does_not_fail(tmp_path: Path) -> None:
    page = "<div id='menu'>Menu</div>" + "<div>" * 5000 + "deep words here" + "</div>" * 5000
    chapters = speech(tmp_path, page, "deep.html")
    assert ["deep words here"] in chapters


def test_markdown_inside_raw_html_is_rendered(tmp_path: Path) -> None:
    # As pandoc and site generators read it: the image is an image, the link a link.
    text = (
        "<a href=\"https://example.io/app\">\n![a Shiny app](https://example.com/s.png)\n</a>\n\n"
        "<details><summary>**Volver** (2006)</summary>\n"
        "A *tender* film with [a link](http://example.com/x) &amp; more.\n</details>\n"
    )
    assert speech(tmp_path, text) == [["Volver (2006)"], ["A tender film with a link & more."]]


def test_a_note_never_referenced_is_still_read(tmp_path: Path) -> None:
    text = "Text[^a].\n\n<p>Raw[^b] text.</p>\n\n[^a]: First.\n[^b]: Second.\n[^c]: Third.\n"
    assert speech(tmp_path, text) == [
        ["Text."],
        ["Raw text."],
        ["Notes", "First.", "Second.", "Third."],
    ]


def test_text_after_dropped_syntax_is_not_a_code_block(tmp_path: Path) -> None:
    # Found by the property test: four shortcodes dropped left "    aaa", a code block.
    text = "{{< a >}} {{< b >}} {{< c >}} {{< d >}} {{< quote >}}Kept words.{{< /quote >}}\n"
    assert speech(tmp_path, text) == [["Kept words."]]


# ------------------------------------------------------------ options, CLI, config


def plan_titles(args: list[str], cwd: Path) -> tuple[int, list[str], str]:
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "narrate", "plan", "--json", *args],
        capture_output=True, text=True, cwd=cwd, check=False,
    )  # fmt: skip
    if result.returncode:
        return result.returncode, [], result.stderr.strip().splitlines()[-1]
    return 0, [s["title"] for s in json.loads(result.stdout)["segments"]], ""


def test_footnotes_and_alt_text_options_and_config(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("Text[^1] here.\n\n![A poster](p.png)\n\n[^1]: A note.\n", encoding="utf-8")
    assert plan_titles([str(post)], tmp_path) == (0, ["Text here.", "Notes"], "")
    assert plan_titles([str(post), "--footnotes", "skip", "--alt-text"], tmp_path) == (
        0,
        ["Text here.", "A poster"],
        "",
    )
    (tmp_path / "narrate.toml").write_text('footnotes = "skip"\nalt-text = true\n')
    assert plan_titles([str(post)], tmp_path) == (0, ["Text here.", "A poster"], "")
    assert plan_titles([str(post), "--footnotes", "read"], tmp_path) == (
        0,
        ["Text here.", "A poster", "Notes"],
        "",
    )
    assert plan_titles([str(post), "--footnotes", "maybe"], tmp_path) == (
        2,
        [],
        "Error: Invalid value for '--footnotes': 'maybe' is not one of 'read', 'skip'.",
    )
    (tmp_path / "narrate.toml").write_text('footnotes = "maybe"\n')
    assert plan_titles([str(post)], tmp_path) == (
        1,
        [],
        "Error: narrate.toml: key 'footnotes': 'maybe' is not one of 'read', 'skip'.",
    )


def test_callouts_and_admonitions(tmp_path: Path) -> None:
    text = (
        "> [!info]\n> Address: 205 E Houston St.\n\n"
        "> [!NOTE] Worth knowing\n> Cash only.\n\n"
        "!!! tip \"Order this\"\n    The pastrami.\n\n"
        "!!! note\n    Indented body, not code.\n"
    )
    assert speech(tmp_path, text) == [
        ["Address: 205 E Houston St."],
        ["Worth knowing Cash only."],
        ["Order this"],
        ["The pastrami."],
        ["Note"],
        ["Indented body, not code."],
    ]


@pytest.mark.parametrize(
    ("inline", "spoken"),
    [
        ("A <b>bold</b> and <span class='x'>spanned</span> word.", "A bold and spanned word."),
        ("Line<br>break and<br/>another.", "Line break and another."),
        ("Not <span hidden>hidden words</span> read.", "Not read."),
        ("Not <span aria-hidden='true'>this</span> either.", "Not either."),
        ("Ref<sup><a href='#fn9'>9</a></sup> gone.", "Ref gone."),
        ("An <!-- aside --> comment.", "An comment."),
        ("Alt <img src='a.png' alt='never'> here.", "Alt here."),
    ],
)
def test_inline_html_reads_as_the_html_reader_reads_it(
    tmp_path: Path, inline: str, spoken: str
) -> None:
    assert speech(tmp_path, inline + "\n") == [[spoken]]


def test_an_html_post_loses_its_liquid_and_shortcodes(tmp_path: Path) -> None:
    page = (
        "<article><p>{% include toc.html %}</p><p>Its score {{< stars 4 >}} is high, "
        "says {{ page.author }}.</p><p>{% raw %}Kept {{ braces }}{% endraw %}</p>"
        "<p>A #hashtag and [[brackets]] stay as written in HTML.</p></article>"
    )
    assert speech(tmp_path, page, "post.html") == [
        ["Its score is high, says."],
        ["Kept {{ braces }}"],
        ["A #hashtag and [brackets] stay as written in HTML."],
    ]


@pytest.mark.parametrize(
    ("written", "title"),
    [
        ("Pain &amp; *Glory*&#160;2019", "Pain & Glory\u00a02019"),
        ("[Volver](https://example.com) <em>review</em>", "Volver review"),
        ("Talk to Her {{< stars 5 >}} \\*", "Talk to Her *"),
        ("[[Films/Julieta|Julieta]] &eacute;t&eacute;", "Julieta été"),
    ],
)
def test_a_header_title_is_read_as_markdown_text(
    tmp_path: Path, written: str, title: str
) -> None:
    from narrate.loading import load_text
    from narrate.loading.markdown import inline_text
    from narrate.settings import TextSettings

    assert inline_text(written) == title
    post = tmp_path / "post.md"
    post.write_text(f"---\ntitle: {json.dumps(written)}\n---\nText.\n", encoding="utf-8")
    # The header's title is one line of plain text: a no-break space is a space there.
    assert load_text(post, TextSettings()).metadata.title == " ".join(title.split())


def test_the_article_is_the_largest_outside_the_furniture(tmp_path: Path) -> None:
    page = (
        "<body><aside><article><p>Related: another review.</p></article></aside>"
        "<article class='card'><p>Teaser.</p></article>"
        "<article><h1>Volver</h1><p>The review itself, long enough to be the one.</p>"
        "<article class='comment'><p>A comment.</p></article></article></body>"
    )
    title, blocks = html_blocks(page)
    assert title == "Volver"
    assert [b.text for b in blocks] == [
        "The review itself, long enough to be the one.",
        "A comment.",
    ]
