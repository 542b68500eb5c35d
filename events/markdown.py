"""Markdown written by organisers, turned into sanitised HTML (and plain text) for public pages."""

import html
import re
from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")
_BLOCK_END = re.compile(r"</(p|li|h[2-6]|blockquote|pre|tr)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)


def _converter() -> markdown_lib.Markdown:
    # The page already has its <h1> (the event or community name): "# Heading" in a description becomes <h2>.
    return markdown_lib.Markdown(
        extensions=["sane_lists", "tables", "fenced_code", "toc"],
        extension_configs={"toc": {"baselevel": 2}},
        output_format="html",
    )


@lru_cache(maxsize=1024)
def render_markdown(text: str) -> SafeString:
    """Markdown to HTML that is safe to put on a page: no scripts, no styles, no images, links marked nofollow.

    Cached per text: the same description is rendered on every page view.
    """
    if not text or not text.strip():
        return mark_safe("")  # noqa: S308 (empty string)
    raw_html = _converter().convert(text)
    clean = nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
    )
    # A paragraph that only held a removed image would leave an empty gap.
    return mark_safe(_EMPTY_PARAGRAPH.sub("", clean))  # noqa: S308 (sanitised by nh3 just above)


@lru_cache(maxsize=1024)
def markdown_to_text(text: str) -> str:
    """The text of a Markdown description without its markup, one paragraph per line (for calendars, meta tags)."""
    if not text:
        return ""
    with_breaks = _BLOCK_END.sub("\n", str(render_markdown(text)))
    plain = html.unescape(nh3.clean(with_breaks, tags=set()))
    lines = [" ".join(line.split()) for line in plain.splitlines()]
    return "\n".join(line for line in lines if line)


def excerpt(text: str, length: int = 160) -> str:
    """The first words of a plain text, cut on a word boundary, for descriptions in meta tags."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[: length - 1]
    if flat[length - 1] != " ":  # the cut fell inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(".,;:!?") + "…"
