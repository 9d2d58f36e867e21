#!/usr/bin/env python
"""The co-learning ablation on the synthetic dataset: baseline, +FAM, +FRM and +FAM+FRM over several seeds, same data,
recipe and budget; skeleton-only test accuracy overall and on the object-pair classes, mean ± std over seeds and the
paired difference to the baseline, written to a markdown table.

Each run trains in its own subprocess and leaves `<out>/<variant>-seed<S>/result.json`; a run whose result exists is
skipped, so a killed ablation resumes where it stopped and one run can be (re)done alone by deleting its folder.
The inputs (dataset, RGB crops, instructive features) are made once under --data.

Full:  python benchmarks/colearning.py --seeds 1 2 3 --epochs 20 --jobs 2
Check: python benchmarks/colearning.py --quick   (a 48-sample dataset, 1 epoch, 2 seeds: the whole pipeline, not evidence)"""
import argparse, json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np

VARIANTS = {'baseline': (False, False), '+FAM': (True, False), '+FRM': (False, True), '+FAM+FRM': (True, True)}  # (FAM, FRM)
TABLE = Path(__file__).with_name('colearning.md')  # the committed result, included by the docs

def folder(variant: str) -> str: return variant.strip('+').replace('+', '-').lower()

# ---------------------------------------------------------------- inputs
def quick_names() -> tuple:
    "(dataset names, stand-in training names) of the quick check: performers 1–4 (3 train, 1 test), one camera and replication."
    from mmcl.synthetic import sample_names
    return sample_names(performers=4, replications=1, cameras=(2,)), sample_names(performers=2, replications=1, cameras=(2,))

def ensure_inputs(data: Path, quick: bool, workers: int) -> dict:
    "Generate, prepare, crop and describe the synthetic dataset under `data` unless already done; the answerer's report."
    from mmcl.synthetic import make_synthetic, RGB_DIR, SKELETON_DIR
    from mmcl.prepare import prepare
    from mmcl.rgbcache import cache_crops
    from mmcl.synthetic_answerer import synthetic_features
    raw, store = data / 'raw' / 'synthetic', data / 'synthetic'
    names, answerer_names = quick_names() if quick else (None, None)
    workers = max(1, workers)  # processes for making inputs (0 only means: load batches in the training process)
    make_synthetic(raw, names, workers=workers)
    if not (store / 'store.json').is_file(): prepare('synthetic', raw / SKELETON_DIR, store, workers=workers)
    cache_crops(store, raw / RGB_DIR, store / 'rgb', workers=workers, progress=False)
    if not (store / 'describe' / 'answerer.json').is_file():
        synthetic_features(raw, store / 'describe', train_names=answerer_names, epochs=2 if quick else 15, workers=workers,
                           progress=False)
    return json.loads((store / 'describe' / 'answerer.json').read_text())

# ---------------------------------------------------------------- one run (in its own process)
def object_pair_classes() -> list:
    "0-based ids of the classes that differ from another class only by the held object."
    from mmcl.synthetic import OBJECT_PAIRS
    return [c - 1 for pair in OBJECT_PAIRS for c in pair]

def per_class_accuracy(encoder, loader, num_class: int) -> np.ndarray:
    "Skeleton-only top-1 per class on `loader`."
    import torch
    encoder.eval(); hit, n = np.zeros(num_class), np.zeros(num_class)
    with torch.no_grad():
        for x, y, _ in loader:
            pred = encoder(x).argmax(1)
            np.add.at(n, y.numpy(), 1); np.add.at(hit, y.numpy(), (pred == y).numpy())
    return hit / np.maximum(n, 1)

def gradient_norms(learner, batch: dict) -> dict:
    "Norm of each loss term's gradient on the pooled skeleton feature (the encoder's output) for one batch: how hard each pulls."
    import torch
    captured = []
    hook = learner.encoder.fc.register_forward_pre_hook(lambda module, args: captured.append(args[0]))  # fc's input = the feature FAM sees
    learner.train()
    try: out = learner(batch)
    finally: hook.remove()
    terms = {'ce': out['ce']}
    if 'fam' in out: terms['fam'] = learner.fam_weight * out['fam']
    if 'frm' in out: terms['frm'] = out['frm']
    return {k: float(torch.autograd.grad(loss, captured[0], retain_graph=True)[0].norm()) for k, loss in terms.items()}

def refiner_use(refiner, features, names: list) -> dict:
    "How the trained refiner weights the scores by what the answerer saw: mean p_pos per held object, and |Pos − Neg|."
    import torch
    from mmcl.synthetic_answerer import held_object
    with torch.no_grad():
        p = torch.softmax(refiner.mlp(torch.as_tensor(np.stack([features[n] for n in names]), dtype=torch.float32)), -1)[:, 0].numpy()
    held = np.array([held_object(n) for n in names])
    return {'p_pos_by_held_object': {h: round(float(p[held == h].mean()), 4) for h in sorted(set(held))},
            'pos_minus_neg_max_abs': round(float((refiner.pos - refiner.neg).detach().abs().max()), 4)}

def run(a) -> dict:
    "Train one variant with one seed; its result."
    import torch
    from mmcl.experiment import DEFAULTS, open_store, make_recipe, make_loaders, make_rgb_encoder, make_learner, co_learning_inputs
    from mmcl.learner import fit, as_batch
    from mmcl.transforms import Stream
    from mmcl.synthetic import OBJECT_CUE
    fam, frm = VARIANTS[a.run]
    d = DEFAULTS['synthetic']
    store, recipe = open_store(d, a.data), make_recipe(d, a.epochs, a.batch_size)
    torch.manual_seed(a.seed)  # the same encoder initialisation in every variant of a seed: the encoder is built first
    encoder_first = make_learner(d).encoder.state_dict()
    rgb = make_rgb_encoder(a.rgb_encoder, size=a.rgb_size) if fam else None
    images, features = co_learning_inputs(d, a.data, rgb, frm)
    train_dl, _, test_dl = make_loaders(store, d, 'xsub', Stream.joint, recipe, a.seed, a.workers, images=images, features=features)
    learner = make_learner(d, rgb, features.dim if frm else 0)
    learner.encoder.load_state_dict(encoder_first)
    first = as_batch(next(iter(train_dl)))
    grad_start = gradient_norms(learner, first)
    t0 = time.perf_counter()
    hist = fit(learner, train_dl, test_dl, recipe, a.out / f'{folder(a.run)}-seed{a.seed}', progress=False,
               params=dict(variant=a.run, seed=a.seed, epochs=recipe.epochs, batch_size=recipe.batch_size, rgb_encoder=a.rgb_encoder, rgb_size=a.rgb_size))
    seconds = time.perf_counter() - t0
    acc, pairs = per_class_accuracy(learner.encoder, test_dl, d.spec.num_class), object_pair_classes()
    others = [c for c in range(len(acc)) if c not in pairs]
    result = dict(variant=a.run, seed=a.seed, epochs=recipe.epochs, batch_size=recipe.batch_size, object_cue=OBJECT_CUE,
                  rgb_encoder=a.rgb_encoder if fam else None, rgb_size=a.rgb_size if fam else None,
                  overall=hist[-1]['test_top1'], object_pairs=float(acc[pairs].mean()), other_classes=float(acc[others].mean()),
                  per_class=acc.round(4).tolist(), train_seconds=round(seconds, 1), last_epoch=hist[-1],
                  grad_norm_start=grad_start, grad_norm_end=gradient_norms(learner, first), threads=torch.get_num_threads())
    if frm:
        names = [str(store.names[i]) for i in train_dl.dataset.skeletons.indices]
        result['refiner'] = refiner_use(learner.refiner, features, sorted(set(names)))
    return result

# ---------------------------------------------------------------- the table
def mean_std(values) -> str:
    v = 100 * np.asarray(values, dtype=float)
    return f'{v.mean():.1f} ± {v.std(ddof=1):.1f}' if len(v) > 1 else f'{v.mean():.1f}'

def table(results: list, seeds: list, header: str) -> str:
    "Markdown: per variant, mean ± std over seeds, and the paired difference to the baseline (same seed)."
    by = {(r['variant'], r['seed']): r for r in results}
    lines = [header, '', '| run | seeds | overall top-1 % | Δ overall (paired) | object pairs top-1 % | Δ object pairs (paired) | '
             'other classes top-1 % | minutes per run |', '|---|---|---|---|---|---|---|---|']
    for v in VARIANTS:
        done = [s for s in seeds if (v, s) in by]
        if not done: continue
        cells = []
        for key in ('overall', 'object_pairs'):
            cells.append(mean_std([by[v, s][key] for s in done]))
            paired = [by[v, s][key] - by['baseline', s][key] for s in done if ('baseline', s) in by]
            cells.append('–' if v == 'baseline' or not paired else
                         ('+' if np.mean(paired) >= 0 else '') + mean_std(paired))
        minutes = np.mean([by[v, s]['train_seconds'] for s in done]) / 60
        lines.append(f"| {v} | {' '.join(map(str, done))} | {' | '.join(cells)} | {mean_std([by[v, s]['other_classes'] for s in done])} "
                     f"| {minutes:.1f} |")
    per_seed = ['', '| run | seed | overall % | object pairs % | λ1·FAM / CE gradient on the feature, start → end | refiner p_pos: nothing / cup / apple / phone |',
                '|---|---|---|---|---|---|']
    for (v, s), r in sorted(by.items(), key=lambda kv: (list(VARIANTS).index(kv[0][0]), kv[0][1])):
        g0, g1 = r['grad_norm_start'], r['grad_norm_end']
        fam = f"{g0['fam'] / g0['ce']:.3f} → {g1['fam'] / g1['ce']:.3f}" if 'fam' in g0 else '–'
        p = r.get('refiner', {}).get('p_pos_by_held_object', {})
        ref = ' / '.join(f"{p[k]:.2f}" for k in ('nothing', 'cup', 'apple', 'phone') if k in p) or '–'
        per_seed.append(f"| {v} | {s} | {100 * r['overall']:.1f} | {100 * r['object_pairs']:.1f} | {fam} | {ref} |")
    return '\n'.join(lines + per_seed) + '\n'

# ---------------------------------------------------------------- test-time refinement of the +FRM runs
def refined_accuracy(run_dir: Path, data: Path) -> dict:
    "A finished FRM run's test top-1, skeleton-only and refined by its trained refiner from the test samples' features."
    from mmcl.evaluate import evaluate_model, refine_scores, load_refiner, confusion_matrix
    from mmcl.features import FeatureStore
    scores = evaluate_model(run_dir / 'skeleton.safetensors', 'synthetic', 'xsub', 'test', data_dir=data)
    refined = refine_scores(scores, load_refiner(run_dir / 'checkpoint.pt'), FeatureStore(data / 'synthetic' / 'describe'))
    def accuracy(s):  # overall over samples; object pairs as the ablation's: the mean of the pair classes' accuracies
        cm = confusion_matrix(s)
        per_class = np.diag(cm) / np.maximum(cm.sum(1), 1)
        return dict(overall=float(np.trace(cm) / cm.sum()), object_pairs=float(per_class[object_pair_classes()].mean()))
    return {'skeleton': accuracy(scores), 'refined': accuracy(refined)}

def refinement_table(rows: dict) -> str:
    "Markdown: per +FRM run, skeleton-only vs refined test top-1 (the transfer protocol's 'w/ refine' on the same dataset)."
    lines = ['', '**Test-time refinement** (the trained refiner applied to the test samples\' instructive features, as the '
             'transfer protocols\' "w/ refine"; inference normally runs the skeleton alone):', '',
             '| run | seed | skeleton-only overall % | refined overall % | skeleton-only object pairs % | refined object pairs % |',
             '|---|---|---|---|---|---|']
    for (v, seed), r in rows.items():
        sk, rf = r['skeleton'], r['refined']
        lines.append(f"| {v} | {seed} | {100 * sk['overall']:.1f} | {100 * rf['overall']:.1f} | {100 * sk['object_pairs']:.1f} "
                     f"| {100 * rf['object_pairs']:.1f} |")
    return '\n'.join(lines) + '\n'

# ---------------------------------------------------------------- driver
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data', type=Path, help='inputs folder (default data, or runs/colearning-quick/data with --quick)')
    ap.add_argument('--out', type=Path, help='runs folder (default runs/colearning, or runs/colearning-quick)')
    ap.add_argument('--epochs', type=int, help='training epochs per run (default 20: see benchmarks/README.md; 1 with --quick)')
    ap.add_argument('--batch-size', type=int, help="training batch (default the synthetic recipe's 16)")
    ap.add_argument('--seeds', type=int, nargs='+', help='default 1 2 3 (1 2 with --quick)')
    ap.add_argument('--variants', nargs='+', choices=list(VARIANTS), default=list(VARIANTS))
    ap.add_argument('--rgb-encoder', default='resnet18', help='FAM image encoder (the paper: inception_v3, slow on CPU)')
    ap.add_argument('--rgb-size', type=int, default=64, help='FAM image side (the 480-pixel crops are resized to it)')
    ap.add_argument('--workers', type=int, help='loader worker processes (default 2, 0 with --quick: less start-up per run)')
    ap.add_argument('--jobs', type=int, default=1, help='runs trained at once, each in its own process (2 on 2 idle cores)')
    ap.add_argument('--table', type=Path, help=f'markdown result (default {TABLE.name} beside this script; the run folder with --quick)')
    ap.add_argument('--quick', action='store_true', help='check the whole pipeline on a 120-sample dataset in a few minutes')
    ap.add_argument('--run', choices=list(VARIANTS), help=argparse.SUPPRESS)  # internal: train one run in this process
    ap.add_argument('--seed', type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.out = a.out or Path('runs/colearning-quick' if a.quick else 'runs/colearning')
    a.data = a.data or (a.out / 'data' if a.quick else Path('data'))
    a.epochs = a.epochs or (1 if a.quick else 20)
    a.seeds = a.seeds or ([1, 2] if a.quick else [1, 2, 3])
    if not a.batch_size:
        from mmcl.experiment import DEFAULTS
        a.batch_size = DEFAULTS['synthetic'].recipe.batch_size
    a.workers = (0 if a.quick else 2) if a.workers is None else a.workers
    a.table = a.table or (a.out / 'colearning.md' if a.quick else TABLE)
    if a.run:
        from mmcl.files import write_json
        result = run(a)
        write_json(a.out / f'{folder(a.run)}-seed{a.seed}' / 'result.json', result)
        return
    t0 = time.perf_counter()
    answerer = ensure_inputs(a.data, a.quick, a.workers)
    prepared = time.perf_counter() - t0
    print(f'inputs ready in {prepared / 60:.1f} min; answerer accuracy {answerer["accuracy"]}', flush=True)
    runs = [(seed, v, a.out / f'{folder(v)}-seed{seed}' / 'result.json') for seed in a.seeds for v in a.variants]
    for _, _, path in runs:  # never mix budgets in one table; checked before anything trains
        done = json.loads(path.read_text()) if path.is_file() else None
        if done and (done['epochs'], done['batch_size']) != (a.epochs, a.batch_size):
            sys.exit(f"colearning: error: {path} was trained for {done['epochs']} epochs at batch {done['batch_size']}, not "
                     f"{a.epochs} at batch {a.batch_size} — use another --out")
    env = {**os.environ, 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', str(max(1, (os.cpu_count() or 1) // a.jobs)))}

    def train(job) -> bool:
        seed, v, _ = job
        cmd = [sys.executable, __file__, '--run', v, '--seed', str(seed), '--data', str(a.data), '--out', str(a.out),
               '--epochs', str(a.epochs), '--batch-size', str(a.batch_size), '--rgb-encoder', a.rgb_encoder, '--rgb-size', str(a.rgb_size), '--workers', str(a.workers)]
        t = time.perf_counter()
        ok = subprocess.run(cmd, env=env).returncode == 0
        print(f"{v} seed {seed}: {'done' if ok else 'FAILED'} in {(time.perf_counter() - t) / 60:.1f} min", flush=True)
        return ok

    todo = [job for job in runs if not job[2].is_file()]
    print(f'{len(runs) - len(todo)} of {len(runs)} runs already done; training {len(todo)}, {a.jobs} at a time', flush=True)
    with ThreadPoolExecutor(a.jobs) as pool: ok = list(pool.map(train, todo))
    failed = [f'{v} seed {seed}' for (seed, v, _), good in zip(todo, ok) if not good]
    results = [json.loads(path.read_text()) for _, _, path in runs if path.is_file()]
    total = time.perf_counter() - t0
    header = (f"Skeleton-only test accuracy on the synthetic dataset (cross-subject, {len(a.seeds)} seeds, {a.epochs} epochs at batch {a.batch_size}, "
              f"FAM encoder {a.rgb_encoder} at {a.rgb_size} px; mean ± std over seeds; Δ = run − baseline of the same seed). "
              f"Instructive features: the held-object stand-in, its answers right for {100 * answerer['accuracy']['yes_no']:.0f}% "
              f"(yes/no) and {100 * answerer['accuracy']['object']:.0f}% (object) of the samples. "
              f"Training took {sum(r['train_seconds'] for r in results) / 60:.0f} min summed over the runs"
              + (f"; this invocation trained {len(todo)}, {a.jobs} at a time, in {total / 60:.1f} min wall ({prepared / 60:.1f} of them making inputs), load average "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores." if todo else
                 " (this invocation trained nothing: every run was done; it made the tables)."))
    from mmcl.files import write_json, write_text
    refined = {}
    for r in results:  # cached beside each run: a rerun of the command only makes the tables
        if not VARIANTS[r['variant']][1]: continue
        run_dir = a.out / f"{folder(r['variant'])}-seed{r['seed']}"
        cache = run_dir / 'refined.json'
        if not cache.is_file(): write_json(cache, refined_accuracy(run_dir, a.data))
        refined[r['variant'], r['seed']] = json.loads(cache.read_text())
    text = table(results, a.seeds, header) + (refinement_table(refined) if refined else '')
    a.table.parent.mkdir(parents=True, exist_ok=True)
    write_text(a.table, text)
    print(text)
    if failed: sys.exit(f'colearning: error: runs failed: {", ".join(failed)} — rerun the same command to retry them')

if __name__ == '__main__': main()
