"""node/lib/media.mjs, run under Node: the name a file fetched by URL is uploaded under (what the
recipient sees). The URL is untrusted: its path never leaves the engine's temporary folder."""

from __future__ import annotations

import json
import subprocess

from errbot_zalouser.transport.engine.install import NODE_DIR

DRIVER = f"""
import {{ fileNameFor }} from {json.dumps((NODE_DIR / "lib" / "media.mjs").as_uri())};
let input = "";
for await (const chunk of process.stdin) input += chunk;
process.stdout.write(JSON.stringify(JSON.parse(input).map(([url, kind]) => fileNameFor(url, kind))));
"""

CASES = [
    ("https://x.vn/docs/report.pdf", "file", "report.pdf"),
    ("https://x.vn/b%C3%A1o-c%C3%A1o.pdf", "file", "báo-cáo.pdf"),  # percent-escapes decoded, Vietnamese kept
    ("https://x.vn/b%C3%A1o%20c%C3%A1o%20Q3.xlsx", "file", "báo_cáo_Q3.xlsx"),
    ("https://x.vn/a/..%2F..%2Fetc%2Fpasswd", "file", "passwd.bin"),  # an escaped slash is only a separator
    ("https://x.vn/%2e%2e", "file", "file.bin"),
    ("https://x.vn/.bashrc", "file", "bashrc.bin"),  # no hidden files
    ("https://x.vn/a%00b%0A.pdf", "file", "a_b_.pdf"),  # controls replaced
    ("https://x.vn/%E0%A4%A", "file", "file.bin"),  # a broken escape: no name at all
    ("https://x.vn/", "image", "image.jpg"),
    ("https://x.vn/clip", "video", "clip.mp4"),
    ("https://x.vn/" + "ạ" * 100 + ".pdf", "file", "ạ" * 76 + ".pdf"),  # the last 80 characters
]


def test_file_names_from_urls(node):
    run = subprocess.run([node, "--input-type=module", "-e", DRIVER], input=json.dumps([c[:2] for c in CASES]),
                         capture_output=True, text=True, timeout=30, check=False)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [c[2] for c in CASES]

