#!/usr/bin/env python
"""Render the docs site's pages offline, without Quarto, to check them as a reader would.

1. nbdev's own notebook processing, exactly what `nbdev_docs` / `nbdev_proc_nbs` run before Quarto
   (`nbdev.serve_drv.main` with `FilterDefaults`, one fresh process per notebook), but without their first step,
   which downloads and installs Quarto when it is missing. `proc_nbs` stops at the first failing notebook; this
   processes every one and reports each failure.
2. Each processed notebook becomes Markdown the way Quarto's notebook engine sees it (code, outputs, `echo: false`,
   `output: asis`), then HTML with pandoc, with the site's sidebar (nbs/sidebar.yml) in its order. Links to
   notebooks and to the site's own address become links between the local pages.

Writes _site_check/html/<page>.html and _site_check/report.json (pages in sidebar order, processing failures).
Exits 1 when a notebook fails processing. tests/test_site.py opens the pages in headless Chromium.
"""
import argparse, base64, html, json, multiprocessing, posixpath, re, shutil, subprocess, sys, time, traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
OUT = ROOT / '_site_check'
IMAGE_SUFFIXES = {'.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp'}
ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')

# Marks every image the browser could not load, so a headless browser's DOM dump shows them.
IMAGE_CHECK = """<script>
window.addEventListener('load', () => {
  const broken = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  document.body.setAttribute('data-broken-images', JSON.stringify(broken));
});
</script>"""

STYLE = """<style>
body { max-width: none; margin: 0; padding: 0 1rem 2rem 17rem; font-family: system-ui, sans-serif; }
nav#sidebar { position: fixed; top: 0; left: 0; width: 15rem; height: 100%; overflow-y: auto; padding: 1rem;
              background: #f6f7f9; border-right: 1px solid #ddd; font-size: 0.9rem; box-sizing: border-box; }
nav#sidebar ul { list-style: none; padding-left: 0.6rem; margin: 0.2rem 0 0.8rem; }
nav#sidebar .section { font-weight: bold; margin-top: 0.6rem; }
nav#sidebar a.active { font-weight: bold; color: #b00; }
pre { background: #f4f4f4; padding: 0.5rem; white-space: pre-wrap; }
pre > code.sourceCode { white-space: pre-wrap; } pre > code.sourceCode > span { display: inline; }
nav#TOC { float: right; width: 14rem; margin: 0 0 1rem 1rem; padding: 0.5rem; font-size: 0.85rem; border-left: 1px solid #ddd; }
nav#TOC::before { content: "On this page"; font-weight: bold; }
nav#TOC ul { padding-left: 1rem; margin: 0.3rem 0; }
.cell-output pre { background: none; border-left: 2px solid lightsalmon; }
.cell-output-error pre { background: #fee; border-left: 3px solid #c00; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: 0.2rem 0.5rem; overflow-wrap: anywhere; }
img { max-width: 100%; }
</style>"""


def sidebar_pages(nbs: Path = NBS) -> list:
    "(section, notebook) pairs in the order of nbs/sidebar.yml; the section is '' for top-level entries."
    def walk(items, section):
        for it in items:
            if isinstance(it, str): yield section, it
            elif isinstance(it, dict) and 'contents' in it: yield from walk(it['contents'], it.get('section', section))
            elif isinstance(it, dict) and 'href' in it: yield section, it['href']
            else: raise ValueError(f'{nbs/"sidebar.yml"}: cannot read sidebar entry {it!r}')
    side = yaml.safe_load((nbs / 'sidebar.yml').read_text())
    return list(walk(side['website']['sidebar']['contents'], ''))


def _process_one(src: str, dst: str) -> str:
    "Run nbdev's docs processing on one notebook; return '' or the error (runs in a fresh process)."
    import os
    from nbdev.processors import FilterDefaults
    import nbdev.serve_drv
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    try: nbdev.serve_drv.main((Path(src), Path(dst), FilterDefaults))
    except Exception as e:
        lines = str(e).strip().splitlines()
        return '\n'.join(lines[:12]) or traceback.format_exc(limit=3)
    return ''


def process(names: list, proc_dir: Path, workers: int = 2) -> dict:
    "Process notebooks `names` (paths under nbs/) into `proc_dir`; map each failing name to its error."
    jobs = {}
    ctx = multiprocessing.get_context('spawn')  # what proc_nbs uses outside a notebook
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, max_tasks_per_child=1) as ex:
        for n in names:
            dst = proc_dir / n
            dst.parent.mkdir(parents=True, exist_ok=True)
            jobs[n] = ex.submit(_process_one, str(NBS / n), str(dst))
    return {n: err for n, f in jobs.items() if (err := f.result())}


def _text(v): return ''.join(v) if isinstance(v, list) else (v or '')


def _directives(src: str) -> dict:
    "Quarto/nbdev `#| key: value` directives at the top of a cell."
    res = {}
    for line in src.splitlines():
        m = re.match(r'\s*#\|\s*([\w-]+)\s*:?\s*(.*)', line)
        if not m: break
        res[m.group(1)] = m.group(2).strip()
    return res


def _fence(text: str, cls: str = '') -> str:
    ticks = '`' * max(3, 1 + max((len(m) for m in re.findall(r'`+', text)), default=0))
    return f'{ticks}{" {." + cls + "}" if cls else ""}\n{text.rstrip()}\n{ticks}'


def _output_md(out: dict, asis: bool, page: str, n_img: list, img_dir: Path) -> str:
    kind = out['output_type']
    if kind == 'stream':
        return f'::: {{.cell-output .cell-output-{out.get("name", "stdout")}}}\n{_fence(ANSI.sub("", _text(out["text"])))}\n:::'
    if kind == 'error':
        tb = ANSI.sub('', '\n'.join(out.get('traceback', [])) or f"{out.get('ename')}: {out.get('evalue')}")
        return f'::: {{.cell-output .cell-output-error}}\n{_fence(tb)}\n:::'
    data = out.get('data', {})
    for mime, ext in (('image/png', 'png'), ('image/jpeg', 'jpg'), ('image/svg+xml', 'svg')):
        if mime in data:
            n_img[0] += 1
            name = f'{page}_files/output-{n_img[0]}.{ext}'
            (img_dir / name).parent.mkdir(parents=True, exist_ok=True)
            raw = _text(data[mime])
            (img_dir / name).write_bytes(raw.encode() if ext == 'svg' else base64.b64decode(raw))
            return f'::: {{.cell-output .cell-output-display}}\n![]({name})\n:::'
    if 'text/markdown' in data:
        md = _text(data['text/markdown'])
        return md if asis else f'::: {{.cell-output .cell-output-display}}\n{md}\n:::'
    if 'text/html' in data:
        return f'::: {{.cell-output .cell-output-display}}\n```{{=html}}\n{_text(data["text/html"])}\n```\n:::'
    if 'text/plain' in data:
        return f'::: {{.cell-output .cell-output-display}}\n{_fence(ANSI.sub("", _text(data["text/plain"])))}\n:::'
    return ''


def notebook_markdown(nb: dict, page: str, img_dir: Path) -> tuple:
    "(front matter, Markdown) of a processed notebook, as Quarto's notebook engine would lay it out."
    front, parts, n_img = {}, [], [0]
    for cell in nb['cells']:
        src = _text(cell['source'])
        if cell['cell_type'] == 'raw':
            m = re.match(r'\s*---\n(.*?)\n---', src, re.S)
            if m and not front: front = yaml.safe_load(m.group(1)) or {}
            continue
        if cell['cell_type'] == 'markdown':  # Quarto's ```{mermaid} diagrams stay code here: no JavaScript offline
            parts.append(re.sub(r'^```\{(\w+)\}', r'```\1', src, flags=re.M)); continue
        d = _directives(src)
        if d.get('include') == 'false': continue
        code = '\n'.join(l for l in src.splitlines() if not re.match(r'\s*#\|', l)).strip()
        block = [] if d.get('echo') == 'false' or not code else [_fence(code, 'python')]
        if d.get('output') != 'false':
            block += [o for o in (_output_md(out, d.get('output') == 'asis', page, n_img, img_dir)
                                  for out in cell.get('outputs', [])) if o]
        if block: parts.append('::: {.cell}\n' + '\n\n'.join(block) + '\n:::')
    return front, '\n\n'.join(parts) + '\n'


def _rel(target: str, page: str) -> str:
    "Link from site page `page` to site page `target` (both relative to the site's root)."
    return posixpath.relpath(target, posixpath.dirname(page) or '.')


def _nav(pages: list, current: str) -> str:
    "The sidebar as HTML: pages is a list of (section, title, file); links are relative to the `current` page."
    out, section = ['<nav id="sidebar"><ul>'], None
    for sec, title, file in pages:
        if sec != section:
            if section: out.append('</ul></li>')
            if sec: out.append(f'<li class="section">{html.escape(sec)}<ul>')
            section = sec
        cls = ' class="active"' if file == current else ''
        out.append(f'<li><a href="{_rel(file, current)}"{cls}>{html.escape(title)}</a></li>')
    if section: out.append('</ul></li>')
    return '\n'.join(out + ['</ul></nav>'])


def _fix_links(page_html: str, page: str, files: dict, site_url: str) -> str:
    "Point links to notebooks (`x.ipynb`, relative to `page`'s notebook) and to the site's own address at local pages."
    def repl(m):
        href = m.group(2)
        if site_url and href.startswith(site_url): href = _rel(href[len(site_url):].lstrip('/') or 'index.html', page)
        path, hash_, anchor = href.partition('#')
        if path.endswith('.ipynb') and '://' not in path:
            nb = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
            path = _rel(files[nb], page) if nb in files else path[:-6] + '.html'
        return f'{m.group(1)}{path}{hash_}{anchor}"'
    return re.sub(r'(<a\s[^>]*?href=")([^"]*)"', repl, page_html)


def render(out: Path = OUT, workers: int = 2) -> dict:
    "Process every sidebar notebook and write its HTML page under `out`/html; return the report."
    if not shutil.which('pandoc'): sys.exit('render_site: error: pandoc is not installed — apt-get install pandoc')
    from nbdev.config import get_config
    cfg = get_config()
    site_url = f"{cfg.doc_host.rstrip('/')}{cfg.doc_baseurl.rstrip('/')}/" if cfg.get('doc_host') else ''
    start = time.time()
    entries = sidebar_pages()
    if missing := [n for _, n in entries if not (NBS / n).is_file()]:
        sys.exit(f'render_site: error: nbs/sidebar.yml lists {missing}, which do not exist — run python tools/make_sidebar.py')
    shutil.rmtree(out, ignore_errors=True)
    proc_dir, html_dir = out / 'proc', out / 'html'
    html_dir.mkdir(parents=True)
    failures = process([n for _, n in entries], proc_dir, workers)
    for p in NBS.rglob('*'):  # images the markdown refers to, where Quarto would copy them
        if p.suffix.lower() in IMAGE_SUFFIXES and not any(s.startswith(('.', '_')) for s in p.relative_to(NBS).parts):
            (html_dir / p.relative_to(NBS)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, html_dir / p.relative_to(NBS))
    docs = {}
    for section, n in entries:
        if n in failures: continue
        nb = json.loads((proc_dir / n).read_text())
        stem = Path(n).with_suffix('').as_posix()
        front, md = notebook_markdown(nb, Path(stem).name, html_dir / Path(n).parent)
        file = front.get('output-file') or f'{stem}.html'
        file = (Path(n).parent / file).as_posix() if '/' in n and '/' not in file else file
        docs[n] = dict(section=section, notebook=n, file=file, title=str(front.get('title') or stem),
                       description=str(front.get('description') or ''), markdown=md)
    files = {n: d['file'] for n, d in docs.items()}
    for n, f in files.items():  # Quarto would write both notebooks to one page: the later one silently replaces the other
        if (first := next(m for m, g in files.items() if g == f)) != n:
            failures[n] = f'its page {f} is also the page of {first}: rename one notebook'
    nav_pages = [(d['section'], d['title'], d['file']) for d in docs.values()]
    for d in docs.values():
        meta = ['--metadata', f'title={d["title"]}'] + (['--metadata', f'subtitle={d["description"]}'] if d['description'] else [])
        extra = out / 'extra'
        extra.mkdir(exist_ok=True)
        (extra / 'before.html').write_text(_nav(nav_pages, d['file']))
        (extra / 'after.html').write_text(IMAGE_CHECK)
        (extra / 'head.html').write_text(STYLE)
        r = subprocess.run(['pandoc', '-f', 'markdown-smart', '-t', 'html5', '--standalone', '--toc', '--mathml', *meta,
                            '--include-before-body', str(extra / 'before.html'),
                            '--include-after-body', str(extra / 'after.html'), '-H', str(extra / 'head.html')],
                           input=d['markdown'], capture_output=True, text=True)
        if r.returncode: failures[d['notebook']] = f'pandoc failed: {r.stderr.strip()[:500]}'; continue
        target = html_dir / d['file']
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_fix_links(r.stdout, d['file'], files, site_url))
    report = dict(pages=[{k: v for k, v in d.items() if k != 'markdown'} for n, d in docs.items() if n not in failures],
                  failures=failures, seconds=round(time.time() - start, 1))
    (out / 'report.json').write_text(json.dumps(report, indent=1) + '\n')
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', type=Path, default=OUT, help='output folder (git-ignored)')
    ap.add_argument('--workers', type=int, default=2, help='notebooks processed at once')
    args = ap.parse_args()
    report = render(args.out, args.workers)
    for n, err in report['failures'].items(): print(f'render_site: FAILED {n}:\n  ' + err.replace('\n', '\n  '))
    print(f"render_site: {len(report['pages'])} pages in {args.out / 'html'}, {len(report['failures'])} notebooks failed, "
          f"{report['seconds']} s")
    sys.exit(1 if report['failures'] else 0)


if __name__ == '__main__': main()
