#!/usr/bin/env python
"""Check that the committed notebooks show what their cells should show: no error outputs, no missing outputs.

Pages are built from the committed notebooks without re-running them, so a cell that should show something must
carry its output. A code cell "should show something" when its last statement is a bare expression that is not a
call (`x`, `model(x).shape`, `a == b`), or when it calls print, display, show_doc or a `plt.` function anywhere.
Other calls are not counted (`test_eq(...)`, `shutil.rmtree(...)` return None). Cells marked `#| hide`,
`#| eval: false`, `#| output: false`, `#| slow` or `#| cuda` and cells ending in `;` are not checked. Driver
notebooks (those with a papermill `parameters` cell) are skipped: their outputs are a run's, not the docs'.

`python tools/check_outputs.py` lists every problem and exits 1 if there is one (run it after executing the
notebooks). tests/test_site.py always fails on error outputs, and on missing outputs in notebooks that have been
executed (hold at least one output).
"""
import argparse, ast, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
SKIP_DIRECTIVES = {'hide', 'slow', 'cuda', 'eval: false', 'output: false', 'include: false'}
SHOWING_CALLS = {'print', 'display', 'show_doc'}


def _text(v): return ''.join(v) if isinstance(v, list) else (v or '')


def _directives(src: str) -> set:
    return {re.sub(r'\s+', ' ', m.group(1).strip()) for m in re.finditer(r'^\s*#\|\s*(.+)$', src, re.M)}


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name): return f.id
    if isinstance(f, ast.Attribute): return f'{f.value.id}.{f.attr}' if isinstance(f.value, ast.Name) else f.attr
    return ''


def _calls_run(tree):
    "Names of the calls the cell itself runs: those inside function, class or lambda bodies only run when called."
    stack = list(tree.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)): continue
        if isinstance(n, ast.Call): yield _call_name(n)
        stack.extend(ast.iter_child_nodes(n))


def should_show(src: str) -> bool:
    "Whether a code cell with source `src` should leave an output (see the module docstring for the rule)."
    if _directives(src) & SKIP_DIRECTIVES: return False
    code = '\n'.join(l for l in src.splitlines() if not re.match(r'\s*([%!]|#\|)', l)).strip()
    if not code or code.endswith(';'): return False
    try: tree = ast.parse(code)
    except SyntaxError: return False
    calls = list(_calls_run(tree))
    if any(c in SHOWING_CALLS or c.startswith('plt.') for c in calls): return True
    last = tree.body[-1] if tree.body else None
    return isinstance(last, ast.Expr) and not isinstance(last.value, (ast.Call, ast.Await, ast.Yield))


def is_driver(nb: dict) -> bool:
    "A papermill driver notebook: one of its cells is tagged `parameters`."
    return any('parameters' in c.get('metadata', {}).get('tags', []) for c in nb['cells'])


def check(nbs: Path = NBS) -> dict:
    "Error outputs and missing outputs per notebook under `nbs`, and which notebooks hold any output at all."
    report = dict(errors={}, missing={}, executed=[], drivers=[])
    for path in sorted(nbs.rglob('*.ipynb')):
        rel = path.relative_to(nbs).as_posix()
        if any(part.startswith(('.', '_')) for part in path.relative_to(nbs).parts): continue
        nb = json.loads(path.read_text())
        if is_driver(nb): report['drivers'].append(rel); continue
        code = [(i, c) for i, c in enumerate(nb['cells']) if c['cell_type'] == 'code']
        if any(c.get('outputs') for _, c in code): report['executed'].append(rel)
        def where(i, c): return f'cell {i}: {(_text(c["source"]).strip().splitlines() or [""])[-1][:70]}'
        if errs := [where(i, c) + ' — ' + next(f"{o.get('ename')}: {o.get('evalue')}" for o in c['outputs'] if o['output_type'] == 'error')
                    for i, c in code if any(o['output_type'] == 'error' for o in c.get('outputs', []))]:
            report['errors'][rel] = errs
        if missing := [where(i, c) for i, c in code if not c.get('outputs') and should_show(_text(c['source']))]:
            report['missing'][rel] = missing
    return report


def describe(report: dict) -> str:
    "The report as text for a person."
    lines = []
    for key, what in (('errors', 'error output'), ('missing', 'no output but should show something')):
        for nb, cells in report[key].items():
            lines.append(f'nbs/{nb}: {len(cells)} cell(s) with {what}')
            lines += [f'  {c}' for c in cells]
    never = sorted(set(report['missing']) - set(report['executed']))
    if never: lines.append(f'not executed at all (no output anywhere): {", ".join(never)}')
    return '\n'.join(lines) or 'every checked cell has the output it should'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.parse_args()
    report = check()
    print(describe(report))
    sys.exit(1 if report['errors'] or report['missing'] else 0)


if __name__ == '__main__': main()
