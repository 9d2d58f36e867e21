"benchmarks/colearning.py: the table compares each variant with the baseline of the same seed, and summarises over seeds."
import importlib.util
from pathlib import Path
import pytest

spec = importlib.util.spec_from_file_location('colearning', Path(__file__).parents[1] / 'benchmarks' / 'colearning.py')
colearning = importlib.util.module_from_spec(spec); spec.loader.exec_module(colearning)

def result(variant, seed, overall, pairs):
    return dict(variant=variant, seed=seed, overall=overall, object_pairs=pairs, other_classes=overall, train_seconds=60,
                grad_norm_start={'ce': 1.0, 'fam': 0.01}, grad_norm_end={'ce': 1.0, 'fam': 0.02},
                refiner={'p_pos_by_held_object': {'apple': 0.1, 'cup': 0.9, 'nothing': 0.5, 'phone': 0.2}})

def row(text, variant):
    return next(l for l in text.splitlines() if l.startswith(f'| {variant} | 1 2 3 |')).split(' | ')

def test_paired_differences_and_spread():
    # seed effects are large (0.5, 0.7, 0.9) but +FRM is always exactly 2 points above its own seed's baseline
    base = [result('baseline', s, o, o / 2) for s, o in ((1, 0.5), (2, 0.7), (3, 0.9))]
    frm = [result('+FRM', r['seed'], r['overall'] + 0.02, r['object_pairs'] + 0.1) for r in base]
    text = colearning.table(base + frm, [1, 2, 3], 'header')
    cells = row(text, '+FRM')
    assert cells[2] == '72.0 ± 20.0'  # mean ± sample std of the overall accuracies
    assert cells[3] == '+2.0 ± 0.0'  # paired: no spread, although the two runs' spreads are 20 points
    assert cells[5] == '+10.0 ± 0.0'
    assert row(text, 'baseline')[3] == '–'
    assert '| +FRM | 2 | 72.0 | 45.0 | 0.010 → 0.020 | 0.50 / 0.90 / 0.10 / 0.20 |' in text

def test_variant_folders_are_distinct():
    assert len({colearning.folder(v) for v in colearning.VARIANTS}) == 4
    assert colearning.folder('+FAM+FRM') == 'fam-frm'
