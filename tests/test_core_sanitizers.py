"""The compiled core built with AddressSanitizer and UndefinedBehaviorSanitizer, then fuzzed.

wordcount/counting/_core.c is compiled into a copy of the package in a temporary folder, and a
subprocess imports that copy (the ASan runtime preloaded, as the Python binary is not built
with it) and runs core_reference.fuzz: random blocks and cuts checked against the Python
reference, table merges, dumps/loads of corrupt buffers. Any report fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from conftest import REPO

FLAGS = ["-shared", "-fPIC", "-O1", "-g", "-fsanitize=address,undefined", "-fno-omit-frame-pointer"]

SCRIPT = textwrap.dedent(
    """
    import sys
    from wordcount.counting import _core
    assert _core.__file__.startswith(sys.argv[1]), _core.__file__  # the sanitized build, not another
    with open("/proc/self/maps") as maps:
        assert "libasan" in maps.read()
    import core_reference
    core_reference.fuzz(_core, rounds=int(sys.argv[2]), seed=int(sys.argv[3]))
    print("fuzzed")
    """
)


def _libasan(gcc: str) -> str | None:
    found = subprocess.run([gcc, "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    return found if os.path.isabs(found) and os.path.exists(found) else None


def test_sanitized_build_survives_the_fuzz(tmp_path: Path) -> None:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no gcc to build the sanitized core with")
    libasan = _libasan(gcc)
    if libasan is None or not sys.platform.startswith("linux"):
        pytest.skip("gcc has no libasan.so here (Debian: apt-get install libasan8)")
    package = tmp_path / "wordcount"
    shutil.copytree(REPO / "wordcount", package, ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    target = package / "counting" / f"_core{sysconfig.get_config_var('EXT_SUFFIX')}"
    include = sysconfig.get_paths()["include"]
    built = subprocess.run([gcc, *FLAGS, f"-I{include}", str(REPO / "wordcount" / "counting" / "_core.c"), "-o", str(target)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    binary = target.read_bytes()
    assert b"__asan_report" in binary and b"__ubsan_handle" in binary  # instrumented indeed

    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO / "tests")]),
        LD_PRELOAD=libasan,
        ASAN_OPTIONS="detect_leaks=0:halt_on_error=1",  # CPython leaks at exit by design
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), "5000", "5"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=300)
    report = run.stderr[-4000:]
    assert "ERROR: AddressSanitizer" not in run.stderr, report
    assert "runtime error" not in run.stderr, report
    assert run.returncode == 0, report
    assert run.stdout.split()[-1:] == ["fuzzed"], run.stdout[-2000:]
