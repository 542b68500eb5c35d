"""Tests for events.markdown: organiser Markdown to safe HTML and to plain text."""

from django.template import Context, Template
from django.utils.safestring import SafeString

from events.markdown import excerpt, markdown_to_text, render_markdown


def test_render_markdown_keeps_formatting_lists_and_links():
    html = render_markdown("Two **talks**, *pizza*.\n\n- first\n- second\n\n[Slides](https://example.com/s)")

    assert html == (
        "<p>Two <strong>talks</strong>, <em>pizza</em>.</p>\n"
        "<ul>\n<li>first</li>\n<li>second</li>\n</ul>\n"
        '<p><a href="https://example.com/s" rel="nofollow noopener noreferrer ugc">Slides</a></p>'
    )
    assert isinstance(html, SafeString)


def test_render_markdown_removes_scripts_styles_and_event_handlers():
    html = render_markdown(
        'Hello <script>alert("x")</script><style>p{}</style><b onclick="steal()">there</b> <iframe src="https://e.vil"></iframe>'
    )

    assert html == "<p>Hello <b>there</b> </p>"


def test_render_markdown_drops_javascript_and_data_links():
    html = render_markdown("[a](javascript:alert(1)) [b](data:text/html,hi) [c](mailto:hi@example.com)")

    assert html == (
        '<p><a rel="nofollow noopener noreferrer ugc">a</a> <a rel="nofollow noopener noreferrer ugc">b</a> '
        '<a href="mailto:hi@example.com" rel="nofollow noopener noreferrer ugc">c</a></p>'
    )


def test_render_markdown_makes_top_headings_second_level_and_drops_images():
    html = render_markdown("# Programme\n\n## Talks\n\n![tracker](https://e.vil/pixel.gif)\n\nEnd")

    assert html == "<h2>Programme</h2>\n<h3>Talks</h3>\n<p>End</p>"


def test_render_markdown_empty_text_gives_empty_html():
    assert render_markdown("") == ""
    assert render_markdown("  \n ") == ""


def test_render_markdown_renders_each_text_once():
    render_markdown.cache_clear()
    render_markdown("Cached *once*")
    render_markdown("Cached *once*")

    info = render_markdown.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_markdown_filter_renders_safe_html_in_templates():
    template = Template("{% load rendezvous %}{{ text|markdown }}")

    assert template.render(Context({"text": "**Bold** <em>ok</em> <img src=x onerror=y>"})) == (
        "<p><strong>Bold</strong> <em>ok</em> </p>"
    )


def test_markdown_to_text_keeps_one_line_per_block_and_no_markup():
    text = markdown_to_text("# Programme\n\n**Talks** & *pizza* at <b>7</b>\n\n- one\n- two\n\n<script>x()</script>")

    assert text == "Programme\nTalks & pizza at 7\none\ntwo"


def test_excerpt_cuts_on_a_word_boundary():
    assert excerpt("Short and sweet.") == "Short and sweet."
    assert excerpt("One two three four five", length=14) == "One two three…"
    assert excerpt("  spaced \n\n out  ") == "spaced out"
