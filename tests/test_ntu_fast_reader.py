"""The NTU reader's fast path (pyarrow cast over all tokens) against its line reader (np.loadtxt line by line) on
generated files: identical fields bit for bit where the fast path accepts a file, and where it does not, the same
error naming the file and the line. Files come from shared/tools/ntu_gen.py (normal, CRLF and malformed) and from
random damage done to a small file."""
import random, subprocess, sys
import numpy as np
import pytest
from mmcl.sources import (NTUBody, NTUSkeleton, SkeletonFileError, _fast_fields, _line_fields, read_ntu_skeleton,
                          write_ntu_skeleton)
from mmcl.testdata import shared_path, skip_message

GENERATOR = shared_path('tools', 'ntu_gen.py')

def line_reader(path):
    "The line reader's fields, or the reason of its `SkeletonFileError`."
    try: return _line_fields(path, path.read_text().splitlines())
    except SkeletonFileError as e: return e.reason

def assert_same_fields(fast, line, what):
    num_frames, frames, ids, info, joints = fast
    assert not isinstance(line, str), f'{what}: the fast path accepts a file the line reader refuses ({line})'
    assert (num_frames, ids) == (line[0], line[2]), what
    np.testing.assert_array_equal(frames, line[1])
    for got, want in ((info, line[3]), (joints, line[4])):
        assert got.dtype == want.dtype == np.float32 and got.shape == want.shape, what
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), f'{what}: values differ in their bits'

@pytest.fixture(scope='module')
def generated(tmp_path_factory):
    if GENERATOR is None: pytest.skip(skip_message('the NTU file generator (shared/tools/ntu_gen.py)'))
    d = tmp_path_factory.mktemp('ntu_gen')
    for args in (['lf', '--n', '40', '--seed', '1'], ['crlf', '--n', '20', '--seed', '2', '--crlf', '--ntu120'],
                 ['--malformed', 'malformed', '--seed', '0']):
        args = [str(d / a) if a in ('lf', 'crlf', 'malformed') else a for a in args]
        subprocess.run([sys.executable, str(GENERATOR), *args], check=True, capture_output=True)
    return d

@pytest.mark.parametrize('folder', ['lf', 'crlf'])
def test_fast_path_reads_generated_files_exactly(generated, folder):
    paths = sorted((generated / folder).glob('*.skeleton'))
    assert len(paths) >= 20
    for p in paths:
        fast = _fast_fields(p.read_bytes())
        assert fast is not None, f'{p.name}: a well-formed file left the fast path'
        assert_same_fields(fast, line_reader(p), p.name)

def test_malformed_files_get_the_line_readers_error(generated):
    paths = sorted((generated / 'malformed').glob('*.skeleton'))
    refused = 0
    for p in paths:
        fast, line = _fast_fields(p.read_bytes()), line_reader(p)
        if fast is not None: assert_same_fields(fast, line, p.name); continue
        if not isinstance(line, str): continue  # only the line reader accepts it (e.g. a name check comes first)
        with pytest.raises(SkeletonFileError) as e: read_ntu_skeleton(p)
        assert e.value.reason == line and p.name in str(e.value), (p.name, str(e.value), line)
        refused += 1
    assert refused >= 10  # truncated, non-numeric ('0.21o3'), jointCount 24, NaN, inf, short line, trailing data, ...
    bad_token = generated / 'malformed' / 'S001C001P001R001A002.skeleton'
    with pytest.raises(SkeletonFileError, match=r"S001C001P001R001A002\.skeleton: non-numeric value '0\.21o3' at line 290"):
        read_ntu_skeleton(bad_token)

def test_random_damage_never_splits_the_readers(tmp_path):
    "A few hundred small files with random bytes inserted, changed or cut, lines doubled or dropped, counts edited."
    rng, gen = random.Random(0), np.random.default_rng(0)
    def body(body_id, frames):
        joints = (gen.normal(size=(len(frames), 25, 12)) * 10.0 ** gen.integers(-3, 3, (len(frames), 25, 12))).astype(np.float32)
        return NTUBody(body_id, np.array(frames), joints, gen.normal(size=(len(frames), 9)).astype(np.float32))
    path = tmp_path / 'S001C001P001R001A001.skeleton'
    write_ntu_skeleton(path, NTUSkeleton(path.stem, 3, [body('72057594037944738', [0, 2]), body('72057594037944739', [1])]))
    good = path.read_bytes()
    alphabet = b'0123456789.+-eE  \n\n\r\tanNIfx_'
    kinds = dict(fast=0, refused=0)
    for _ in range(300):
        d = bytearray(good if rng.random() < .7 else good.replace(b'\n', b'\r\n'))
        for _ in range(rng.randint(1, 2)):
            kind, pos = rng.randrange(5), rng.randrange(len(d) + 1)
            if kind == 0: d[pos:pos] = bytes([rng.choice(alphabet)])
            elif kind == 1: del d[pos:pos + rng.randint(1, 3)]
            elif kind == 2 and pos < len(d): d[pos] = rng.choice(alphabet)
            elif kind == 3:
                lines = bytes(d).split(b'\n'); k = rng.randrange(len(lines))
                lines[k:k + 1] = [lines[k]] * rng.choice([0, 2]); d = bytearray(b'\n'.join(lines))
            else:
                lines = bytes(d).split(b'\n'); counts = [k for k, l in enumerate(lines) if len(l.split()) == 1]
                if counts: lines[rng.choice(counts)] = rng.choice([b'0', b'1', b'2', b'24', b'26', b'+1', b'01', b'1.0', b' 2 ', b'2\r'])
                d = bytearray(b'\n'.join(lines))
        path.write_bytes(bytes(d))
        fast, line = _fast_fields(bytes(d)), line_reader(path)
        if fast is not None: assert_same_fields(fast, line, bytes(d)[:80]); kinds['fast'] += 1
        elif isinstance(line, str): kinds['refused'] += 1
    assert kinds['fast'] >= 20 and kinds['refused'] >= 150, kinds  # both sides of the fence were exercised
