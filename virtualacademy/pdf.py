"""PDF documents, rendered by WeasyPrint from Jinja templates: the one helper every module uses.

``render_pdf("pdf/<name>.html", **context)`` renders ``templates/pdf/<name>.html`` and returns the
PDF's bytes. Every document gets the house print stylesheet, ``static/pdf/print.css`` (A4, margins,
running header and page numbers, headings, tables); a template may link more of its own.

Relative URLs in a template resolve against ``static/``: ``<img src="images/logo.svg">``,
``<link rel="stylesheet" href="pdf/letter.css">``. Only files under ``static/`` (and ``data:``
URLs) can be loaded: never the network or anywhere else on disk, so no content can make a
document fetch something. A file that cannot be loaded is an error, not a silently broken document.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

PRINT_STYLESHEET = Path("pdf") / "print.css"


class StaticFilesOnly(URLFetcher):
    """WeasyPrint's fetcher limited to files under one folder (and ``data:`` URLs)."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self.root = root.resolve()

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError(f"A PDF may only load files from static/, not {url}")
        return super().fetch(url, headers)


def static_root() -> Path:
    return Path(current_app.static_folder).resolve()


def render_pdf(template: str, **context) -> bytes:
    """Render ``template`` with ``context`` to a PDF."""
    root = static_root()
    fetcher = StaticFilesOnly(root)
    html = HTML(string=render_template(template, **context), base_url=root.as_uri() + "/", url_fetcher=fetcher)
    stylesheet = CSS(filename=str(root / PRINT_STYLESHEET), url_fetcher=fetcher)
    return html.write_pdf(stylesheets=[stylesheet])
