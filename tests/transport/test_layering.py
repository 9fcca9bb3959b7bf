"""The transport layer stands alone: importing it must not import errbot."""

from __future__ import annotations

import subprocess
import sys


def test_transport_does_not_import_errbot():
    code = (
        "import sys\n"
        "import errbot_zalouser.transport\n"
        "import errbot_zalouser.transport.runner, errbot_zalouser.transport.argv\n"
        "import errbot_zalouser.transport.parsing, errbot_zalouser.transport.client\n"
        "import errbot_zalouser.transport.listener\n"
        "bad = sorted(m for m in sys.modules if m == 'errbot' or m.startswith('errbot.'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
