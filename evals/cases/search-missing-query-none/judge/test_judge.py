from search.query import search, terms

INDEX = [{"id": 1, "title": "Red Tee"}, {"id": 2, "title": "Blue Mug"}, {"id": 3, "title": "Red Cap"}]


def test_missing_query_matches_everything():
    assert search({"category": "mugs"}, INDEX)["hits"] == [2, 3, 1]
    assert terms(None) == []


def test_cleanup_kept():
    assert terms("  red\u00a0tee ") == ["red", "tee"]
    assert search({"q": "the Red cap"}, INDEX)["hits"] == [3]
