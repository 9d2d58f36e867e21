"""Peak memory of a process and all its children (DataLoader workers, multiprocessing pools), sampled from /proc
(Linux). Used by prepare_speed.py and data_memory.py."""
import os, threading, time

def _children(pid):
    try: tasks = os.listdir(f'/proc/{pid}/task')
    except FileNotFoundError: return []
    out = []
    for t in tasks:
        try: out += [int(c) for c in open(f'/proc/{pid}/task/{t}/children').read().split()]
        except FileNotFoundError: pass
    return out

def _field(path, name):
    "A 'Name:  123 kB' field of a /proc file, in bytes (0 when the process is gone)."
    try:
        for line in open(path):
            if line.startswith(name + ':'): return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError): pass
    return 0

def tree_memory(pid=None):
    "(RSS, PSS) in bytes, summed over `pid` (default: this process) and all its descendants."
    pids, i = [pid or os.getpid()], 0
    while i < len(pids): pids += _children(pids[i]); i += 1
    return (sum(_field(f'/proc/{p}/status', 'VmRSS') for p in pids),
            sum(_field(f'/proc/{p}/smaps_rollup', 'Pss') for p in pids))

class PeakMemory:
    "Context manager sampling `tree_memory` every `interval` s; `.rss` and `.pss` hold the peaks in bytes."
    def __init__(self, interval=0.05): self.interval, self.rss, self.pss = interval, 0, 0
    def _run(self):
        while not self._stop.is_set():
            rss, pss = tree_memory()
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            time.sleep(self.interval)
    def __enter__(self):
        self._stop = threading.Event(); self._thread = threading.Thread(target=self._run, daemon=True); self._thread.start()
        return self
    def __exit__(self, *exc): self._stop.set(); self._thread.join()
