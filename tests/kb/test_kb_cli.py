"""``deskbot kb check`` and ``deskbot kb search`` as an admin or a script uses them."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from bot.cli import main
from tests.kb.conftest import KB_DIR, ROOT, article_text


def test_check_passes_on_the_shipped_knowledge_base(capsys):
    assert main(["kb", "check", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: ") and "articles" in out


def test_check_on_a_broken_folder_prints_path_line_and_exits_1(tmp_path, capsys):
    (tmp_path / "es").mkdir()
    bad = tmp_path / "es" / "bad.md"
    bad.write_text(article_text(category="cafeteria"), encoding="utf-8")
    (tmp_path / "broken.md").write_text("no front matter here\n", encoding="utf-8")
    assert main(["kb", "check", "--kb", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert any(line.startswith(f"{bad}:5: unknown category 'cafeteria'") for line in lines)
    assert any(line.startswith(f"{tmp_path / 'broken.md'}:1: ") for line in lines)
    assert "2 error(es) en 2 archivo(s)" in captured.err  # the desk's language: es


def test_search_json_prints_ids_titles_and_scores(capsys):
    assert main(["kb", "search", "olvide mi contraseña", "--json", "--kb", str(KB_DIR)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results and len(results) <= 3
    assert all(set(r) == {"id", "title", "score"} for r in results)
    assert results[0]["id"] == "restablecer-contrasena"
    assert results[0]["title"] == "Restablecer u olvidé mi contraseña"


def test_search_top_and_human_output(capsys):
    assert main(["kb", "search", "vpn no conecta", "--top", "1"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("1.") and "vpn-no-conecta" in line
    assert main(["kb", "search", "what's the lunch menu", "--lang", "en"]) == 0
    assert "no suggestions" in capsys.readouterr().out


def test_search_stdin_answers_one_json_line_per_question(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("my mouse is dead\nquiero pedir vacaciones\n"))
    assert main(["kb", "search", "--stdin", "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first[0]["id"] == "keyboard-mouse-not-working" and len(first) <= 2
    assert second == []


def test_search_stdin_in_a_real_process_flushes_each_answer(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "badge.md").write_text(article_text(
        id="badge", title="Lost access badge", questions="\n  - my badge does not open the door",
    ), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())",
         "kb", "search", "--stdin", "--kb", str(kb)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write("lost my badge\n")
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())  # arrives before stdin is closed
    assert [r["id"] for r in answer] == ["badge"]
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def test_search_on_a_foreign_folder_keeps_articles_that_only_lack_detail(tmp_path, capsys):
    (tmp_path / "a.md").write_text(
        "---\nid: impresion-lenta\ntitle: La impresión tarda muchísimo\nlanguage: es\n"
        "category: printing\ntags: [impresora]\n---\nReinicia la cola de impresión.\n",
        encoding="utf-8")
    (tmp_path / "b.md").write_text(
        "---\ntitle: No id here\nlanguage: en\ncategory: other\ntags: []\nquestions: []\n"
        "---\nx\n", encoding="utf-8")
    assert main(["kb", "search", "la impresora tarda mucho en imprimir", "--kb",
                 str(tmp_path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert [r["id"] for r in json.loads(out)] == ["impresion-lenta"]
    assert "2 problema(s)" in err and "deskbot kb check" in err
    assert main(["kb", "check", "--kb", str(tmp_path)]) == 1  # check stays strict
