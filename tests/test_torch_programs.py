"""The course's PyTorch programs (../shared/torch_programs, beside the clone) run unchanged with
`torch` aliased to tracegrad and print torch's results: run.py --strict must report 8/8."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT.parent / "shared" / "torch_programs" / "run.py"


def test_the_eight_course_programs_print_torchs_results_under_tracegrad():
    assert RUNNER.exists(), (
        f"{RUNNER} is missing: the acceptance programs live in ../shared/torch_programs beside "
        "the clone; check them out there to run this test"
    )
    result = subprocess.run(
        [sys.executable, str(RUNNER), "--strict", "--python", sys.executable],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0 and last.startswith("torch programs: 8/8 pass"), (
        f"{last or 'no output'}\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    )
