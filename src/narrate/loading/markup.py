"""Static-site-generator syntax in Markdown sources: taken out before Markdown is parsed.

Blog posts are kept as their site generator reads them, so their Markdown carries
template syntax that is not prose. :func:`strip_site_syntax` removes it from the
source text, so the Markdown parser (and so the ear) never sees it:

* Hugo shortcodes, ``{{< name … >}}`` and ``{{% name … %}}``: the tags are dropped;
  a paired shortcode's inner text stays (``{{< quote >}}words{{< /quote >}}`` reads
  "words"), except that of the shortcodes that wrap code (``highlight``, ``code``).
  Escaped shortcodes (``{{</* … */>}}``) are dropped too.
* Liquid (Jekyll), Nunjucks (Eleventy) and Tera (Zola): ``{% … %}`` and ``{{ … }}``
  are dropped, ``{# … #}`` comments too; the inner text of ``{% comment %}``,
  ``{% highlight %}`` and ``{% capture %}`` blocks is dropped, and that of
  ``{% raw %}…{% endraw %}`` is kept exactly as written.
* kramdown: attribute lists ``{: .class}``, ``{:width="350"}``, ``{:toc}``, extension
  tags ``{::options … /}``, ``{::comment}…{:/comment}``; a heading's ``{#id .class}``.
* ``<!--more-->`` (the excerpt separator).
* WordPress shortcodes (posts exported from WordPress, and the HTML of their feeds):
  a paired ``[caption …]…[/caption]`` or ``[expand title="…"]…[/expand]`` keeps its
  inner text, ``[code]``/``[sourcecode]``/``[embed]`` lose theirs, and the embeds
  ``[gallery …]``, ``[youtube …]``, ``[audio …]``, ``[video …]``, ``[playlist …]`` are
  dropped. A bracket with no closing tag of its name (``[sic]``, ``[1]``) is prose.
* Obsidian: ``![[embed]]`` is dropped, ``[[target|alias]]`` reads as the alias and
  ``[[folder/target#heading]]`` as "target"; a trailing run of ``#tags`` (whole
  lines of them, or the end of the last line) is not read, and a ``#tag`` inside a
  sentence ("a vampire #film") reads as its word. A callout's marker (``> [!info]``,
  GitHub's ``> [!NOTE]``) is dropped; its title and text are read.

An HTML source (a post written in HTML) loses its shortcodes and Liquid tags the
same way (:func:`strip_template_syntax`). A line that held nothing but dropped
syntax is removed with its line break, so a shortcode on a line of its own does not
split its paragraph in two; the spaces after syntax dropped at the start of a line
go with it, so the text after it does not become an indented code block.
"""

from __future__ import annotations

import re

_GONE = "\ue002"  # marks where syntax was dropped, until whole-line removal is done
_RAW_OPEN, _RAW_CLOSE = "\ue000", "\ue001"

_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
_CODE_SHORTCODES = re.compile(
    r"\{\{[<%]\s*(highlight|code|codeblock)\b.*?[>%]\}\}.*?\{\{[<%]\s*/\s*\1\s*[>%]\}\}", re.S
)
_SHORTCODE = re.compile(r"\{\{<.*?>\}\}|\{\{%.*?%\}\}", re.S)
_LIQUID_BLOCK = re.compile(
    r"\{%-?\s*(comment|highlight|capture)\b.*?%\}.*?\{%-?\s*end\1\s*-?%\}", re.S
)
_LIQUID = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
_KRAMDOWN_COMMENT = re.compile(r"\{::comment\}.*?\{:/(?:comment)?\}", re.S)
_KRAMDOWN = re.compile(r"\{::?[^{}\n]*\}|\{:/[^{}\n]*\}")
_HEADING_ATTRS = re.compile(r"^([ \t]{0,3}#{1,6}[ \t].*?)[ \t]*\{[#.][^{}\n]*\}[ \t]*$", re.M)
_CALLOUT = re.compile(r"^([ \t]*>[ \t]*)\[![A-Za-z][\w-]*\][+-]?[ \t]*", re.M)
_WP_CODE = re.compile(r"\[(code|sourcecode|embed)\b[^\]\n]*\].*?\[/\1\]", re.S)
_WP_EMBED = re.compile(
    r"\[(?:gallery|youtube|audio|video|playlist|vimeo|tweet|instagram)(?:\s[^\]\n]*)?/?\]"
)
_WP_CLOSE = re.compile(r"\[/([a-z][a-z0-9_-]*)\]")
_MORE = re.compile(r"<!--\s*more\s*-->", re.I)
_EMBED = re.compile(r"!\[\[[^\[\]\n]*\]\]")
_WIKILINK = re.compile(r"\[\[([^\[\]\n]+?)\]\]")
_TAG = r"#[^\s#\[\](){}<>,.;:!?\"']*[^\W\d_][^\s#\[\](){}<>,.;:!?\"']*"
_TAG_LINE = re.compile(rf"^[ \t]*{_TAG}(?:[ \t]+{_TAG})*[ \t]*$")
_TRAILING_TAGS = re.compile(rf"(?:[ \t]+{_TAG})+[ \t]*$")
_INLINE_TAG = re.compile(r"(?:(?<=\s)|^)#(?=[^\W\d_])", re.M)  # not in href="#fn1"
_GONE_LINE = re.compile(rf"^[ \t]*{_GONE}[ \t{_GONE}]*(?:\n|\Z)", re.M)
_GONE_LEAD = re.compile(rf"^([ \t]*)(?:{_GONE}[ \t]*)+(?=[^\s{_GONE}])", re.M)


def _wikilink(match: re.Match[str]) -> str:
    target, bar, alias = re.sub(r"\\\|", "|", match.group(1)).partition("|")
    if bar and alias.strip():
        return alias.strip()
    page, _, heading = target.partition("#")
    page = page.strip().rstrip("/").rsplit("/", 1)[-1]
    page = re.sub(r"\.md\Z", "", page, flags=re.I)
    return page or heading.strip().lstrip("^") or ""


def _drop_trailing_tags(text: str) -> str:
    """The text without the run of ``#tags`` it ends with."""
    lines = text.rstrip().split("\n")
    while lines and (not lines[-1].strip() or _TAG_LINE.match(lines[-1])):
        lines.pop()
    if lines:
        lines[-1] = _TRAILING_TAGS.sub("", lines[-1])
    return "\n".join(lines) + "\n"


def _wordpress(text: str) -> str:
    """WordPress shortcodes: code and embeds dropped, paired tags' inner text kept."""
    if "[" not in text:
        return text
    text = _WP_EMBED.sub(_GONE, _WP_CODE.sub(_GONE, text))
    names = set(_WP_CLOSE.findall(text))
    if not names:
        return text
    paired = re.compile(
        r"\[(" + "|".join(sorted(map(re.escape, names))) + r")(?:\s[^\]\n]*)?\](.*?)\[/\1\]", re.S
    )
    for _ in range(8):  # nested pairs, innermost last; a bound for hostile nesting
        text, found = paired.subn(lambda m: f"{_GONE}{m.group(2)}{_GONE}", text)
        if not found:
            break
    return text


def strip_site_syntax(text: str) -> str:
    """``text`` (Markdown source) without the site-generator syntax listed above."""
    if not any(mark in text for mark in ("{{", "{%", "{#", "{:", "[", "<!--", "#")):
        return text
    return _strip(text, markdown=True)


def strip_template_syntax(text: str) -> str:
    """``text`` (an HTML source, such as a Jekyll post written in HTML) without its
    shortcodes and Liquid tags; the Markdown-only rules (kramdown, wikilinks, tags)
    are not applied."""
    if "{{" not in text and "{%" not in text and "[" not in text:
        return text
    return _strip(text, markdown=False)


def _strip(text: str, *, markdown: bool) -> str:
    raws: list[str] = []

    def keep_raw(match: re.Match[str]) -> str:
        raws.append(match.group(1))
        return f"{_RAW_OPEN}{len(raws) - 1}{_RAW_CLOSE}"

    text = _RAW.sub(keep_raw, text)
    text = _wordpress(text)
    patterns = [_CODE_SHORTCODES, _SHORTCODE, _LIQUID_BLOCK, _LIQUID]
    if markdown:
        patterns += [_KRAMDOWN_COMMENT, _KRAMDOWN, _MORE, _EMBED]
    for pattern in patterns:
        text = pattern.sub(_GONE, text)
    if markdown:
        text = _CALLOUT.sub(r"\1", _HEADING_ATTRS.sub(r"\1", text))
        text = _WIKILINK.sub(_wikilink, text)
    text = _GONE_LEAD.sub(r"\1", _GONE_LINE.sub("", text)).replace(_GONE, "")
    if markdown:
        text = _INLINE_TAG.sub("", _drop_trailing_tags(text))
    if raws:
        text = re.sub(
            f"{_RAW_OPEN}(\\d+){_RAW_CLOSE}", lambda m: raws[int(m.group(1))], text
        )
    return text
