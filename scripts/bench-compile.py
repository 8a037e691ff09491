#!/usr/bin/env python3
"""Cold compile of each example, PyTorch's pipeline against `tsc compile`.

For each model: a fresh `python` process that imports torch, runs the .tsy
file (it scripts the model; the chatbot file traces its encoder and
decoder and scripts the searcher), calls optimize_for_mobile and
_save_for_lite_interpreter; and a fresh `tsc compile FILE -o OUT.ptl
--weights W` with the same weights. Wall time (median of --runs) and peak
RSS (`/usr/bin/time -f %M`) of each, and the ratio.

Run with the reference interpreter (scripts/reference-env.sh prints its
path), after `cargo build --release`:

    $(scripts/reference-env.sh) scripts/bench-compile.py [--runs N] [models...]
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TSC = os.path.join(ROOT, "target", "release", "tsc")

PYTORCH = r'''
import runpy, sys, torch
from torch.utils.mobile_optimizer import optimize_for_mobile
from safetensors.torch import load_file
ns = runpy.run_path(sys.argv[1], run_name="__main__")
if "model" in ns:
    model = ns["model"]
    model.load_state_dict(load_file(sys.argv[2]))
    scripted = torch.jit.script(model.eval())
else:
    # The chatbot: the file traces the encoder and decoder and scripts the searcher.
    scripted = ns["scripted_searcher"]
    scripted.load_state_dict(load_file(sys.argv[2]))
optimize_for_mobile(scripted)._save_for_lite_interpreter(sys.argv[3])
'''

WEIGHTS = r'''
import runpy, sys, torch
from safetensors.torch import save_file
ns = runpy.run_path(sys.argv[1], run_name="__main__")
model = ns["model"] if "model" in ns else ns["scripted_searcher"]
save_file({k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}, sys.argv[2])
'''


def timed(command, output):
    """Wall seconds and peak RSS (MB) of one cold run writing `output`, a
    new file each time (replacing a large file costs the kernel freeing
    its pages, tens of milliseconds for ResNet-18, whoever writes it)."""
    if os.path.exists(output):
        os.remove(output)
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{out.stderr}")
    rss_kb = int(out.stderr.strip().splitlines()[-1])
    return wall, rss_kb / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("models", nargs="*", default=["resnet18", "mobilenet_v2", "mobilenet_v3_small", "decision_gate", "chatbot"])
    args = parser.parse_args()
    if not os.path.exists(TSC):
        sys.exit("build tsc first: cargo build --release")
    print(f"{'model':<14} {'pytorch s':>10} {'MB':>6} {'tsc s':>8} {'MB':>6} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            src = os.path.join(ROOT, "examples", f"{name}.tsy")
            weights = os.path.join(tmp, f"{name}.safetensors")
            subprocess.run([sys.executable, "-c", WEIGHTS, src, weights], check=True, capture_output=True)
            pt_out, ours_out = os.path.join(tmp, "pt.ptl"), os.path.join(tmp, "ours.ptl")
            theirs = [timed([sys.executable, "-c", PYTORCH, src, weights, pt_out], pt_out) for _ in range(args.runs)]
            ours = [timed([TSC, "compile", src, "-o", ours_out, "--weights", weights], ours_out) for _ in range(args.runs)]
            pt_s, pt_mb = statistics.median(t for t, _ in theirs), max(m for _, m in theirs)
            ts_s, ts_mb = statistics.median(t for t, _ in ours), max(m for _, m in ours)
            print(f"{name:<14} {pt_s:>10.3f} {pt_mb:>6.0f} {ts_s:>8.3f} {ts_mb:>6.0f} {pt_s / ts_s:>6.0f}x")


if __name__ == "__main__":
    main()
