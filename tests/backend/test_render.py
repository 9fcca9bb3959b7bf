"""Markdown rendering to plain text: fences survive, and concurrent use is safe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from errbot_zalouser.backend.render import MarkdownRenderer


def test_prose_is_plain_text():
    out = MarkdownRenderer().render("Some **bold** and [a link](http://x.y)\n\n- one\n- two")
    assert "**" not in out
    assert "a link (http://x.y)" in out
    assert "• one" in out


def test_fenced_code_is_kept_verbatim():
    md = "Result:\n\n```python\ndef f():\n    return 1\n```\n\nDone."
    out = MarkdownRenderer().render(md)
    assert "```python\ndef f():\n    return 1\n```" in out
    assert out.startswith("Result:") and out.endswith("Done.")


def test_concurrent_rendering_gives_identical_results():
    renderer = MarkdownRenderer()
    docs = [f"# Title {i}\n\nText **{i}** with `code`\n\n| a | b |\n|---|---|\n| {i} | x |" for i in range(40)]
    expected = [renderer.render(d) for d in docs]
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in range(5):
            assert list(pool.map(renderer.render, docs)) == expected
