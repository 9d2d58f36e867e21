"""Our NTU preparation against the reference scripts' output (CTR-GCN data/ntu/*.py, NTU60 cross-subject) on 300
generated `.skeleton` files: every sample must match, or differ only in a way nbs/02_prepare.ipynb documents."""
import subprocess, sys
import numpy as np
import pytest
from mmcl.prepare import prepare
from mmcl.testdata import shared_path, skip_message

GENERATOR, REFERENCE = shared_path('tools', 'ntu_gen.py'), shared_path('data', 'ntu-ref', 'seed0-300.npz')

def _tracked_poses(x):
    "Per actor slot, the poses of the frames in which that actor is tracked, in time order (their timing dropped)."
    return [x[np.abs(x[:, m]).sum((1, 2)) > 0, m] for m in range(x.shape[1])]

def _same(a, b):
    "Equal within float16 rounding: one float16 step at the larger magnitude (both sides were rounded once)."
    return a.shape == b.shape and bool((np.abs(a - b) <= np.spacing(np.maximum(np.abs(a), np.abs(b)).astype(np.float16))
                                        .astype(np.float32) * 1.01).all())

def _has_gap(x):
    "Whether some actor is untracked for a while between its first and last tracked frame."
    for m in range(x.shape[1]):
        t = np.flatnonzero(np.abs(x[:, m]).sum((1, 2)) > 0)
        if len(t) and t[-1] - t[0] + 1 > len(t): return True
    return False

def classify(ours, ref):
    "'exact', or the documented deviation that explains the difference, or None (an unexplained difference)."
    if _same(ours, ref): return 'exact'
    mine, theirs = _tracked_poses(ours), _tracked_poses(ref)
    if not _same(mine[0], theirs[0]): return None  # actor 1 must always be the same person with the same poses
    if _same(mine[1], theirs[1]): return 'frames at their true index' if _has_gap(ours) else None
    # the reference drops the earlier piece of a split actor-2 track: its actor 2 is a strict suffix of ours
    n = len(theirs[1])
    if 0 < n < len(mine[1]) and _same(mine[1][-n:], theirs[1]) and _has_gap(ours[:, 1:]): return 'earlier piece of split actor 2 kept'
    return None

@pytest.fixture(scope='module')
def prepared(tmp_path_factory):
    if GENERATOR is None or REFERENCE is None: pytest.skip(skip_message('the NTU reference output (shared/data/ntu-ref, shared/tools/ntu_gen.py)'))
    d = tmp_path_factory.mktemp('ntu_ref')
    subprocess.run([sys.executable, str(GENERATOR), str(d / 'raw'), '--n', '300', '--seed', '0'], check=True, capture_output=True)
    store = prepare('ntu60', d / 'raw', d / 'store', workers=2, progress=False)
    return store, d / 'store', np.load(REFERENCE)

def test_matches_reference(prepared):
    store, out, ref = prepared
    index = np.load(out / 'index.npz')
    xyz = np.load(out / 'xyz.npy', mmap_mode='r')
    assert store['copy_single_actor'] is False  # NTU60's reference pads a lone actor with zeros
    np.testing.assert_array_equal(index['name'], ref['names'])
    np.testing.assert_array_equal(index['label'], ref['labels'])
    ref_offset = np.r_[0, np.cumsum(ref['lengths'])]
    kinds, unexplained = {}, []
    for i, name in enumerate(ref['names']):
        theirs = ref['xyz'][ref_offset[i]:ref_offset[i + 1]].astype(np.float32).reshape(-1, 2, 25, 3)
        ours = xyz[index['offset'][i]:][:index['length'][i]].astype(np.float32)
        kind = classify(ours, theirs)
        if kind is None: unexplained.append(f'{name}: ours {ours.shape[0]} frames, reference {theirs.shape[0]}')
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f'{len(ref["names"])} samples: {kinds}')
    assert not unexplained, f'{len(unexplained)} samples differ from the reference without a documented reason:\n' + '\n'.join(unexplained)
    assert kinds['exact'] >= 250  # guards the classifier itself: most samples have no gap and no split track

def test_actor_order_matches_on_two_person_samples(prepared):
    _, out, ref = prepared
    index = np.load(out / 'index.npz')
    xyz = np.load(out / 'xyz.npy', mmap_mode='r')
    ref_offset = np.r_[0, np.cumsum(ref['lengths'])]
    two = np.flatnonzero(index['num_actors'] == 2)
    assert len(two) >= 50
    for i in two:  # actor 1's poses are the reference's actor 1's, whatever else differs
        theirs = ref['xyz'][ref_offset[i]:ref_offset[i + 1]].astype(np.float32).reshape(-1, 2, 25, 3)
        ours = xyz[index['offset'][i]:][:index['length'][i]].astype(np.float32)
        assert _same(_tracked_poses(ours)[0], _tracked_poses(theirs)[0]), index['name'][i]
