#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb (what `nbdev_readme` does, without needing Quarto).

Markdown cells are copied (Quarto's ```{mermaid} diagram fences become GitHub's ```mermaid); code cells are shown
as Python blocks with their text output, except cells marked `#| hide`. Directives (`#| ...`) are dropped.
`--check` only compares and exits 1 when README.md is out of step.
"""
import argparse, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n'

def _text(v): return ''.join(v) if isinstance(v, list) else v

def _markdown(src): return re.sub(r'^```\{(\w+)\}', r'```\1', src.strip(), flags=re.M)

def _code_cell(cell):
    lines = _text(cell['source']).splitlines()
    if any(l.strip() in ('#| hide', '#|hide') for l in lines): return None
    src = '\n'.join(l for l in lines if not l.lstrip().startswith('#|')).strip()
    if not src: return None
    out = ''.join(_text(o.get('text', '')) if o['output_type'] == 'stream'
                  else _text(o.get('data', {}).get('text/plain', '')) + '\n'
                  for o in cell.get('outputs', []) if o['output_type'] in ('stream', 'execute_result'))
    block = f'```python\n{src}\n```'
    return block + (f'\n\n```\n{out.rstrip()}\n```' if out.strip() else '')

def render(nb_path: Path) -> str:
    "README text for the notebook at `nb_path`."
    cells = json.loads(nb_path.read_text())['cells']
    parts = [_markdown(_text(c['source'])) if c['cell_type'] == 'markdown' else _code_cell(c) for c in cells]
    return HEADER + '\n' + '\n\n'.join(p for p in parts if p) + '\n'

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--check', action='store_true', help='exit 1 if README.md differs from the notebook')
    args = ap.parse_args()
    text, readme = render(ROOT / 'nbs' / 'index.ipynb'), ROOT / 'README.md'
    if args.check:
        if not readme.is_file() or readme.read_text() != text:
            sys.exit('README.md is out of step with nbs/index.ipynb: run `python tools/make_readme.py` and commit')
        print('README.md is in step with nbs/index.ipynb')
    else: readme.write_text(text)

if __name__ == '__main__': main()
