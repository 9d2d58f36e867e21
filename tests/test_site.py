"""The docs site, checked offline as a reader would see it.

tools/render_site.py runs nbdev's docs processing on every notebook of the sidebar and renders each page to HTML with
pandoc; each page is then opened in headless Chromium, which saves a screenshot to _site_check/screenshots/ (for a
person to look at) and the page as the browser built it. A page fails on an error cell, an image the browser could
not load, or a link to another page (or an anchor) that does not exist. Needs `pandoc` and `chromium` (CI installs
them; on a machine without them these tests skip and say so).
"""
import json, re, shutil, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
import make_sidebar, render_site, check_outputs  # noqa: E402

CHROMIUM = next((shutil.which(c) for c in ('chromium', 'chromium-browser', 'google-chrome') if shutil.which(c)), None)
needs_tools = pytest.mark.skipif(not (CHROMIUM and shutil.which('pandoc')),
                                 reason='the site check needs pandoc and chromium (apt-get install pandoc chromium); CI installs them')


def test_sidebar_lists_the_notebooks_present():
    "nbs/sidebar.yml is what tools/make_sidebar.py writes for the notebooks present, every notebook in a section."
    assert (ROOT / 'nbs' / 'sidebar.yml').read_text() == make_sidebar.render(), \
        'nbs/sidebar.yml is out of step: run python tools/make_sidebar.py'
    listed = [n for _, n in render_site.sidebar_pages()]
    assert sorted(listed) == make_sidebar.notebooks() and listed[0] == 'index.ipynb'


def test_sidebar_refuses_an_unplaced_notebook(tmp_path):
    (tmp_path / '99_new.ipynb').write_text('{}')
    with pytest.raises(ValueError, match=r"99_new.ipynb.*SECTIONS"): make_sidebar.sections(make_sidebar.notebooks(tmp_path))


@pytest.fixture(scope='module')
def site():
    "Render the site once for this module; the report of tools/render_site.py."
    return render_site.render()


def test_first_cell_holds_only_title_and_description():
    "nbdev turns a notebook's first markdown cell into the title and the first `>` line and drops the rest of the cell."
    lost = {}
    for n in make_sidebar.notebooks():
        cells = json.loads((ROOT / 'nbs' / n).read_text())['cells']
        lines = [l for l in next((''.join(c['source']) for c in cells if c['cell_type'] == 'markdown'), '').splitlines() if l.strip()]
        quotes = [l for l in lines if l.startswith('>')]
        if rest := [l for l in lines if not l.startswith(('# ', '>'))] + quotes[1:]: lost[n] = rest[0][:60]
    assert not lost, ('text that the site drops (a one-line `> description`; the rest in a cell of its own, after the '
                      'title cell): ' + str(lost))


class _Page(HTMLParser):
    "Links, ids, error cells, text and the broken-image mark of a page as the browser serialised it."
    def __init__(self):
        super().__init__(); self.links, self.ids, self.errors, self.broken, self.text = [], set(), 0, None, []
    def handle_data(self, data): self.text.append(data)
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if 'id' in a: self.ids.add(a['id'])
        if tag == 'a' and a.get('href'): self.links.append(a['href'])
        if 'cell-output-error' in (a.get('class') or '').split(): self.errors += 1
        if tag == 'body' and 'data-broken-images' in a: self.broken = json.loads(a['data-broken-images'])


def _open(page: Path, shot: Path) -> str:
    "The DOM of `page` after loading in headless Chromium; saves a screenshot to `shot`."
    r = subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
                        '--window-size=1280,1600', '--virtual-time-budget=3000', f'--screenshot={shot}',
                        '--dump-dom', page.as_uri()], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip(), f'chromium could not open {page}: {r.stderr[-500:]}'
    return r.stdout


@needs_tools
def test_every_notebook_passes_nbdev_docs_processing(site):
    "What nbdev_docs runs before Quarto: a notebook that fails it breaks the site build."
    assert not site['failures'], 'nbdev docs processing failed on ' + ', '.join(site['failures']) + \
        ' (details: python tools/render_site.py). Usually a cell mixes imports with other code: nbdev runs import cells alone.'


def page_problems(html_dir: Path, files: list, shots: Path) -> list:
    "Open each page of `files` (under `html_dir`) in headless Chromium, save screenshots to `shots`; what is wrong."
    shots.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(2) as ex:
        doms = list(ex.map(lambda f: _open(html_dir / f, shots / (f.replace('/', '_')[:-5] + '.png')), files))
    pages = {}
    for f, dom in zip(files, doms):
        pages[f] = p = _Page(); p.feed(dom)
    problems = []
    for f, p in pages.items():
        if p.errors: problems.append(f'{f}: {p.errors} error cell(s)')
        if m := re.search(r'.{0,40}FACTS(\.md| ?§).{0,20}', ''.join(p.text)):  # an internal file readers do not have
            problems.append(f'{f}: cites FACTS, which readers do not have: "{m.group(0)}"')
        if p.broken is None: problems.append(f'{f}: did not finish loading')
        elif p.broken: problems.append(f'{f}: images that do not load: {p.broken}')
        for href in p.links:
            u = urlparse(href)
            if u.scheme or href.startswith('//'): continue  # outside the site
            target = re.sub(r'(^|/)[^/]+/\.\./', r'\1', (Path(f).parent / u.path).as_posix()) if u.path else f
            if u.path and not (html_dir / target).is_file(): problems.append(f'{f}: dead link {href}'); continue
            if u.fragment and target in pages and u.fragment not in pages[target].ids:
                problems.append(f'{f}: link {href}: no such anchor')
    return problems


@needs_tools
def test_pages_in_a_browser(site):
    "Each rendered page: no error cell, every image loads, every link between pages and every anchor exists, no FACTS."
    files = [p['file'] for p in site['pages']]
    assert files, 'no page was rendered'
    problems = page_problems(render_site.OUT / 'html', files, render_site.OUT / 'screenshots')
    assert not problems, 'site problems (screenshots in _site_check/screenshots/):\n' + '\n'.join(problems)


@needs_tools
def test_page_check_catches_what_a_reader_would_see(tmp_path):
    "The browser check on two hand-made pages: each kind of fault is reported, a sound page passes."
    png = render_site.IMAGE_CHECK  # the same load-time image check the renderer adds to every page
    (tmp_path / 'ok.html').write_text(f'<html><body><h2 id="a">A</h2><a href="bad.html">x</a>{png}</body></html>')
    (tmp_path / 'bad.html').write_text(
        '<html><body><div class="cell-output cell-output-error"><pre>Boom</pre></div><img src="gone.png">'
        '<a href="missing.html">x</a><a href="ok.html#nope">y</a><a href="ok.html#a">z</a><a href="https://x.org/">w</a>'
        f'<p>as FACTS §5 says</p>{png}</body></html>')
    problems = page_problems(tmp_path, ['ok.html', 'bad.html'], tmp_path / 'shots')
    expected = ['bad.html: 1 error cell(s)', 'bad.html: cites FACTS', "bad.html: images that do not load: ['gone.png']",
                'bad.html: dead link missing.html', 'bad.html: link ok.html#nope: no such anchor']
    assert len(problems) == len(expected) and all(any(p.startswith(e) for p in problems) for e in expected), problems
    assert (tmp_path / 'shots' / 'bad.png').stat().st_size > 0


def test_check_outputs_finds_errors_and_missing_outputs(tmp_path):
    "tools/check_outputs.py: error outputs, cells that should show but do not, executed notebooks; drivers skipped."
    def nb(*cells): return json.dumps({'cells': [dict(cell_type='code', metadata=m, source=s, outputs=o) for s, o, m in cells]})
    out = [{'output_type': 'stream', 'name': 'stdout', 'text': '1'}]
    err = [{'output_type': 'error', 'ename': 'ValueError', 'evalue': 'bad', 'traceback': []}]
    (tmp_path / 'a.ipynb').write_text(nb(('print(1)', out, {}), ('x', [], {}), ('test_eq(1, 1)', [], {}), ('y', err, {})))
    (tmp_path / 'b.ipynb').write_text(nb(('#| hide\nz', [], {}), ('a = 1', [], {}), ('plt.plot(a)', [], {})))
    (tmp_path / 'drive.ipynb').write_text(nb(('n = 1', [], {'tags': ['parameters']}), ('n', [], {})))
    r = check_outputs.check(tmp_path)
    assert r['errors'] == {'a.ipynb': ['cell 3: y — ValueError: bad']}
    assert r['missing'] == {'a.ipynb': ['cell 1: x'], 'b.ipynb': ['cell 2: plt.plot(a)']}
    assert r['executed'] == ['a.ipynb'] and r['drivers'] == ['drive.ipynb']


def test_no_committed_error_outputs_and_executed_notebooks_are_complete():
    "A committed error output always fails; missing outputs fail once a notebook has been executed (has any output)."
    report = check_outputs.check()
    assert not report['errors'], check_outputs.describe(report)
    executed_incomplete = {nb: cells for nb, cells in report['missing'].items() if nb in report['executed']}
    assert not executed_incomplete, check_outputs.describe(dict(report, missing=executed_incomplete))


def test_outputs_become_page_content(tmp_path):
    "A processed notebook's outputs as Quarto lays them out: text, images as files, errors marked, `asis` Markdown."
    png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
    def code(src, *outs): return dict(cell_type='code', metadata={}, source=src, outputs=list(outs))
    nb = {'cells': [
        dict(cell_type='raw', metadata={}, source='---\ntitle: T\noutput-file: t.html\n---\n'),
        dict(cell_type='markdown', metadata={}, source='Some *text*.'),
        code('print(1)', {'output_type': 'stream', 'name': 'stdout', 'text': '1\n'}),
        code('#| echo: false\nplot()', {'output_type': 'display_data', 'data': {'image/png': png, 'text/plain': '<Figure>'}}),
        code('#| echo: false\n#| output: asis\nshow_doc(f)', {'output_type': 'execute_result', 'data': {'text/markdown': '### f\n\nDoes f.'}}),
        code('1/0', {'output_type': 'error', 'ename': 'ZeroDivisionError', 'evalue': 'division by zero', 'traceback': ['\x1b[31mZeroDivisionError\x1b[0m']}),
        code('#| include: false\nsecret()')]}
    front, md = render_site.notebook_markdown(nb, 't', tmp_path)
    assert front == {'title': 'T', 'output-file': 't.html'}
    assert 'Some *text*.' in md and '``` {.python}\nprint(1)\n```' in md and '```\n1\n```' in md
    assert '![](t_files/output-1.png)' in md and (tmp_path / 't_files' / 'output-1.png').read_bytes()[:4] == b'\x89PNG'
    assert '::: {.cell}\n### f\n\nDoes f.\n:::' in md and 'plot()' not in md and 'show_doc' not in md and 'secret' not in md
    assert '::: {.cell-output .cell-output-error}\n```\nZeroDivisionError\n```' in md  # ANSI colours stripped
