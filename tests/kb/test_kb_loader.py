"""The loader reads every article and reports each mistake with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.article import DEFAULT_CATEGORIES
from kb.loader import KnowledgeBaseError, check_articles, load_articles
from tests.kb.conftest import KB_DIR, article_text


def test_shipped_knowledge_base_is_valid_bilingual_and_large_enough():
    articles, errors = check_articles(KB_DIR)
    assert errors == []
    assert len(articles) >= 50
    assert {a.language for a in articles} == {"es", "en"}
    assert {a.category for a in articles} <= set(DEFAULT_CATEGORIES)
    for article in articles:
        assert 3 <= len(article.questions) <= 8, article.id
        assert article.tags and article.body, article.id
        assert article.path is not None and article.path.parent.name == article.language


def test_an_article_is_read_with_all_its_fields(write):
    path = write("es/vpn.md", article_text(
        id="vpn-casa", title="VPN desde casa", language="es", category="network",
        tags="[vpn, remoto]", questions="\n  - la vpn no conecta\n  - error en forticlient",
        body="1. Reinicia FortiClient.",
    ))
    [article] = load_articles(path.parent.parent)
    assert article.id == "vpn-casa"
    assert article.title == "VPN desde casa"
    assert (article.language, article.category) == ("es", "network")
    assert article.tags == ("vpn", "remoto")
    assert article.questions == ("la vpn no conecta", "error en forticlient")
    assert article.body == "1. Reinicia FortiClient."
    assert article.path == path


def _only_error(root: Path):
    articles, errors = check_articles(root)
    assert articles == []
    assert len(errors) == 1, errors
    return errors[0]


def test_missing_front_matter_is_reported_on_line_1(write, tmp_path):
    path = write("a.md", "# Just markdown\n")
    error = _only_error(tmp_path)
    assert (error.path, error.line) == (path, 1)
    assert "front matter" in error.message


def test_unclosed_front_matter(write, tmp_path):
    write("a.md", "---\nid: a\ntitle: A\n")
    assert "not closed" in _only_error(tmp_path).message


def test_bad_yaml_points_at_the_broken_line(write, tmp_path):
    path = write("a.md", "---\nid: a\ntitle: A\ntags: [vpn, remoto\nlanguage: en\n---\nbody\n")
    error = _only_error(tmp_path)
    assert error.path == path
    assert error.line in (4, 5)
    assert error.message.startswith("bad front matter")


def test_missing_field_names_the_field(write, tmp_path):
    text = article_text().replace("category: other\n", "")
    path = write("a.md", text)
    error = _only_error(tmp_path)
    assert error.path == path
    assert error.message == "missing field 'category'"
    assert error.line == 8  # the closing '---' of the front matter


def test_empty_field_is_missing_and_points_at_its_line(write, tmp_path):
    write("a.md", article_text(title='""'))
    error = _only_error(tmp_path)
    assert (error.line, error.message) == (3, "missing field 'title'")


@pytest.mark.parametrize(
    ("override", "line", "words"),
    [
        ({"tags": "vpn"}, 6, "'tags' must be a list"),
        ({"questions": " 12"}, 7, "'questions' must be a list"),
        ({"title": "[a, b]"}, 3, "'title' must be a string"),
        ({"id": "Bad Id!"}, 2, "bad id"),
    ],
)
def test_wrong_types_point_at_the_value(write, tmp_path, override, line, words):
    write("a.md", article_text(**override))
    error = _only_error(tmp_path)
    assert error.line == line
    assert words in error.message


def test_unknown_category_and_language(write, tmp_path):
    write("a.md", article_text(language="fr", category="printers"))
    articles, errors = check_articles(tmp_path)
    assert articles == []
    messages = {e.line: e.message for e in errors}
    assert "unknown language 'fr'" in messages[4]
    assert "unknown category 'printers'" in messages[5]


def test_categories_come_from_the_caller(write, tmp_path):
    write("a.md", article_text(category="printers"))
    assert check_articles(tmp_path, categories=["printers"])[1] == []


def test_duplicate_id_reports_both_places(write, tmp_path):
    first = write("en/a.md", article_text(id="same"))
    second = write("es/b.md", article_text(id="same", language="es"))
    articles, errors = check_articles(tmp_path)
    assert [a.path for a in articles] == [first]
    [error] = errors
    assert (error.path, error.line) == (second, 2)
    assert f"duplicate id 'same' (first used in {first}:2)" == error.message


def test_empty_body_is_an_error(write, tmp_path):
    write("a.md", article_text(body=""))
    assert "no body" in _only_error(tmp_path).message


def test_all_errors_of_all_files_are_collected_and_formatted(write, tmp_path):
    a = write("x/a.md", article_text(language="fr"))
    b = write("y/z/b.md", "no front matter\n")
    write("y/ok.md", article_text(id="ok"))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_articles(tmp_path)
    shown = [str(e) for e in caught.value.errors]
    assert f"{a}:4: unknown language 'fr' (expected one of: es, en)" in shown
    assert any(s.startswith(f"{b}:1: ") for s in shown)
    assert len(shown) == 2


def test_missing_folder_is_an_error(tmp_path):
    articles, errors = check_articles(tmp_path / "nope")
    assert articles == [] and "not found" in errors[0].message
