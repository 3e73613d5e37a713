"""Replays the committed fuzz corpus (Tests/FuzzCorpus/codec) through the codec checks.

`FuzzCodec` is built by the normal `swift build` (without libFuzzer it is a
replayer: it runs every file of the directories it is given through the same
decode / round-trip / differential checks as the fuzzer and traps on a violation).
It sits next to the realtime binary. See docs/RELIABILITY.md, "Fuzzing".
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from rt import REPO_ROOT

CORPUS = REPO_ROOT / "Tests" / "FuzzCorpus" / "codec"


def fuzz_codec_bin() -> Path:
    env = os.environ.get("REALTIME_BIN")
    realtime = Path(env) if env else REPO_ROOT / ".build" / "debug" / "realtime"
    if not realtime.is_absolute():
        realtime = REPO_ROOT / realtime
    return realtime.parent / "FuzzCodec"


def test_fuzz_corpus_replays_cleanly():
    binary = fuzz_codec_bin()
    if not binary.exists() or not os.access(binary, os.X_OK):
        pytest.fail(f"FuzzCodec not found at {binary} (build it with `swift build`)", pytrace=False)
    files = [p for p in CORPUS.iterdir() if p.is_file() and not p.name.startswith(".")]
    assert files, f"no corpus files in {CORPUS}"

    result = subprocess.run([str(binary), str(CORPUS)], capture_output=True, text=True, timeout=50)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"FuzzCodec failed (exit {result.returncode}):\n{output[-4000:]}"
    match = re.search(r"ran (\d+) inputs", output)
    assert match, f"no input count in FuzzCodec output:\n{output}"
    assert int(match.group(1)) >= len(files), output
