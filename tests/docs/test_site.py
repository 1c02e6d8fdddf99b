"""The built docs site (make docs), checked in a real browser: Debian's chromium, driven by Playwright.

The site is served on loopback (a thread of this process) and crawled from index.html: every page must load (200)
without a console error or an uncaught exception (a missing stylesheet or script shows as one), and every link
inside the site must reach a page that exists and, for a link with a #fragment, an element with that id. Each
module page must show its parameters, examples and return values; each guide must show the files it includes
exactly as the checkout has them (the playbooks and AWX files the tests run). A copy of the site with one broken
link and one missing anchor shows that the crawl finds both.
"""

import functools
import glob
import http.server
import os
import re
import shutil
import threading
import urllib.parse

import pytest
from playwright.sync_api import sync_playwright

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SITE = os.environ.get("DOCS_SITE", os.path.join(ROOT, ".build", "docs", "site", "build", "html"))
CHROMIUM = os.environ.get("DOCS_CHROMIUM", "/usr/bin/chromium")
PAGES = "collections/dualstack/redis/"
GUIDES = sorted(os.path.basename(path)[:-4] for path in glob.glob(os.path.join(ROOT, "docs", "docsite", "rst", "*.rst")))
MODULES = sorted(os.path.basename(path)[:-3] for path in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))
                 if not os.path.basename(path).startswith("_"))
ROLES = sorted(os.path.basename(path) for path in glob.glob(os.path.join(ROOT, "roles", "*")))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    """(base URL, stop()): ``directory`` over HTTP on 127.0.0.1."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop():
        server.shutdown()
        server.server_close()
    return "http://127.0.0.1:%d/" % server.server_address[1], stop


@pytest.fixture(scope="module")
def browser():
    assert os.path.isfile(os.path.join(SITE, "index.html")), "no site in %s: run make docs first" % SITE
    assert os.access(CHROMIUM, os.X_OK), "%s is missing: tests/lab/lab.sh docs installs Debian's chromium" % CHROMIUM
    with sync_playwright() as playwright:
        # (as root, Chromium runs only without its sandbox)
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def site():
    base, stop = serve(SITE)
    yield base
    stop()


def crawl(browser, base):
    """Every page reachable from index.html inside ``base``: {url: dict(status, errors, ids, links, page text)}
    and the list of broken links (text naming the page, the link and what is wrong)."""
    page = browser.new_page()
    errors = []
    page.on("console", lambda message: errors.append("console %s: %s" % (message.type, message.text))
            if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append("uncaught: %s" % exc))
    seen, queue, links = {}, [base + "index.html"], []
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        del errors[:]
        response = page.goto(url, wait_until="load")
        status = response.status if response else None
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)") if status == 200 else []
        ids = set(page.eval_on_selector_all("[id], a[name]", "els => els.map(e => e.id || e.name)")) if status == 200 else set()
        seen[url] = dict(status=status, errors=list(errors), ids=ids)
        for href in hrefs:
            target, _sep, fragment = href.partition("#")
            target = target + "index.html" if target.endswith("/") else target  # (one page, two addresses)
            if not target.startswith(base):
                continue  # (outside the site: docs.ansible.com, the forum)
            links.append((url, href, target, urllib.parse.unquote(fragment)))
            if target not in seen and target.endswith(".html"):
                queue.append(target)
    page.close()
    broken = []
    for url, href, target, fragment in links:
        if target not in seen:
            broken.append("%s links to %s, which is not a page of the site" % (url, href))
        elif seen[target]["status"] != 200:
            broken.append("%s links to %s: HTTP %s" % (url, href, seen[target]["status"]))
        elif fragment and fragment not in seen[target]["ids"]:
            broken.append("%s links to %s: no element with id %r there" % (url, href, fragment))
    return seen, broken


@pytest.fixture(scope="module")
def crawled(browser, site):
    return crawl(browser, site)


def test_every_page_loads_cleanly_and_every_link_in_the_site_resolves(crawled, site):
    pages, broken = crawled
    expected = ["%s%s_module.html" % (PAGES, name) for name in MODULES] + ["%s%s_role.html" % (PAGES, role) for role in ROLES]
    expected += ["%sdocsite/%s.html" % (PAGES, guide) for guide in GUIDES]
    assert [path for path in expected if site + path not in pages] == [], "pages the crawl from index.html did not reach"
    assert {url: page["status"] for url, page in pages.items() if page["status"] != 200} == {}
    assert {url: page["errors"] for url, page in pages.items() if page["errors"]} == {}
    assert broken == []


@pytest.mark.parametrize("module", MODULES)
def test_each_module_page_shows_its_options_examples_and_return_values(browser, site, module):
    page = browser.new_page()
    page.goto(site + "%s%s_module.html" % (PAGES, module))
    headings = page.eval_on_selector_all("h2, h3", "els => els.map(e => e.textContent.replace(/\\W+$/, ''))")
    options = page.eval_on_selector_all("table.ansible-option-table, .ansible-option-table", "els => els.length")
    examples = page.eval_on_selector_all("pre", "els => els.map(e => e.innerText)")
    page.close()
    for section in ("Parameters", "Examples", "Return Values"):
        assert section in headings, "%s: no %s section (headings: %s)" % (module, section, headings)
    assert options >= 2, "%s: the parameters and return values tables" % module
    assert any("dualstack.redis.%s" % module in text for text in examples), "%s: no example uses the module" % module


def _included(guide):
    with open(os.path.join(ROOT, "docs", "docsite", "rst", guide + ".rst"), encoding="utf-8") as handle:
        return re.findall(r"^\s*\.\. literalinclude:: /_examples/(\S+)\s*$", handle.read(), re.M)


@pytest.mark.parametrize("guide", GUIDES)
def test_each_guide_shows_the_tested_files_it_includes_as_they_are(browser, site, guide):
    included = _included(guide)
    assert included, "%s includes none of the tested files" % guide
    page = browser.new_page()
    page.goto(site + "%sdocsite/%s.html" % (PAGES, guide))
    blocks = [text.strip() for text in page.eval_on_selector_all("pre", "els => els.map(e => e.innerText)")]
    page.close()
    for path in included:
        with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
            assert handle.read().strip() in blocks, "%s does not show %s as it is in the checkout" % (guide, path)


def test_the_crawl_finds_a_broken_link_and_a_missing_anchor(browser, tmp_path):
    """The control: a copy of the site with a link to a page that does not exist and one to an anchor that does not."""
    copy = str(tmp_path / "html")
    shutil.copytree(SITE, copy)
    index = os.path.join(copy, "index.html")
    with open(index, encoding="utf-8") as handle:
        text = handle.read()
    text = text.replace("</body>", '<a href="no-such-page.html">x</a><a href="index.html#no-such-anchor">y</a></body>', 1)
    with open(index, "w", encoding="utf-8") as handle:
        handle.write(text)
    base, stop = serve(copy)
    try:
        _pages, broken = crawl(browser, base)
    finally:
        stop()
    assert any("no-such-page.html" in line and "HTTP 404" in line for line in broken), broken
    assert any("no element with id 'no-such-anchor'" in line for line in broken), broken
    assert len(broken) == 2, broken
