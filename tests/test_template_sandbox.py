"""`--template-dir` templates run in jinja2's sandbox: no way from a template into Python."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_chronicle

ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__.os.system('touch PWNED') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_a_hostile_template_is_refused_in_one_line(seeded_dir: Path, tmp_path: Path, payload: str) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text(f"<p>{payload}</p>{{{{ timeline }}}}", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = run_chronicle("export", "--format", "html", "--template-dir", str(templates),
                           "-o", str(out / "page.html"), cwd=seeded_dir)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chronicle: error: --template-dir: ")
    assert "the HTML template failed" in lines[0] and "unsafe" in lines[0]
    assert "uid=" not in result.stdout + result.stderr
    assert list(out.iterdir()) == []
    assert not (seeded_dir / "PWNED").exists() and not (tmp_path / "PWNED").exists()


def test_an_honest_template_still_renders(seeded_dir: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("<h1>{{ name | upper }}</h1>{{ timeline }}", encoding="utf-8")
    out = tmp_path / "page.html"
    result = run_chronicle("export", "--format", "html", "--template-dir", str(templates), "-o", str(out),
                           cwd=seeded_dir)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("<h1>TEST</h1>")
