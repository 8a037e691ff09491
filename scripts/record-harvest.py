"""Records PyTorch's verdicts on the harvested corpus.

Runs every case of tests/corpus/cases/harvest_*/ under the PyTorch of the
interpreter that runs this script (the reference, 2.5.1) and writes
tests/corpus/harvest.jsonl, one record per case: whether scripting accepted
it, PyTorch's first error line and the line it points at, and the outputs of
the scripted entry `f` on the case's inputs (a `# inputs: <Python tuple>`
comment per call), or what it raised (tests/corpus_runs.rs runs them in
`tsc run`).

    $TSY_REFERENCE_PYTHON scripts/record-harvest.py

torch is imported once; each case runs in a forked process of its own, so no
case sees another's classes and a crash stops only its case.
"""

import json
import multiprocessing
import pathlib
import re
import runpy
import sys

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"


def located(message):
    """PyTorch's line: the first `File "...", line N` of its message."""
    m = re.search(r'File "[^"]*", line (\d+)', message)
    return int(m.group(1)) if m else None


def show(value):
    """A value as JSON: tensors as their values and dtype, others by repr."""
    if isinstance(value, torch.Tensor):
        return {"tensor": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, (list, tuple)):
        return [show(v) for v in value]
    if isinstance(value, dict):
        return {"dict": [[show(k), show(v)] for k, v in value.items()]}
    if isinstance(value, float) and value != value:
        return "nan"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"repr": repr(value)}


def record(path):
    """The verdict on one case, run as `__main__` from the corpus folder."""
    text = path.read_text()
    try:
        scope = runpy.run_path(str(path.relative_to(CORPUS)), run_name="__main__")
    except (RuntimeError, torch.jit.frontend.NotSupportedError) as e:
        error = str(e).strip()
        head = error.split('  File "')[0].rstrip()
        return {"accepted": False, "error": {"first_line": error.splitlines()[0], "head": head, "line": located(error)}}
    except Exception as e:
        return {"python_error": f"{type(e).__name__}: {e}"}
    result = {"accepted": True}
    calls = re.findall(r"^# inputs: (.*)$", text, re.M)
    if calls:
        outputs = []
        for call in calls:
            args = eval(call, scope)
            torch.manual_seed(0)
            try:
                outputs.append({"value": show(scope["f"](*args))})
            except Exception as e:
                lines = str(e).strip().splitlines() or [type(e).__name__]
                # The first line, and the last without its exception type:
                # what the program raised, under TorchScript's traceback.
                outputs.append({"error": lines[0], "raised": lines[-1].split("Error: ", 1)[-1]})
        result["outputs"] = outputs
    return result


def main():
    import os

    os.chdir(CORPUS)
    cases = sorted(CORPUS.glob("cases/harvest_*/*.py"))
    with multiprocessing.get_context("fork").Pool(2, maxtasksperchild=1) as pool:
        results = pool.map(record, cases, chunksize=1)
    names = [str(path.relative_to(CORPUS / "cases"))[: -len(".py")] for path in cases]
    broken = [f"{case}: not a TorchScript verdict: {r['python_error']}" for case, r in zip(names, results) if "python_error" in r]
    if broken:
        sys.exit("\n".join(broken))
    with open(CORPUS / "harvest.jsonl", "w") as out:
        for case, result in zip(names, results):
            out.write(json.dumps({"case": case, "category": case.split("/")[0], **result}, sort_keys=True) + "\n")
            if result["accepted"]:
                print(f"{case}: accepted", file=sys.stderr)
            else:
                print(f"{case}: rejected at {result['error']['line']}: {result['error']['first_line']}", file=sys.stderr)
    print(f"{len(cases)} cases recorded", file=sys.stderr)


if __name__ == "__main__":
    main()
