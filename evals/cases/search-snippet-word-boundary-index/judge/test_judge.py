from search.snippets import mark, snippet


def _ends_on_word_boundary(text, out):
    end = text.index(out) + len(out)
    return end == len(text) or text[end] == " "


def test_match_near_the_end():
    text = "Stoneware mug, dishwasher safe"
    out = snippet(text, "safe")
    assert out.endswith("safe") and _ends_on_word_boundary(text, out)
    assert snippet("short", "short") == "short"


def test_words_not_cut_and_marking():
    text = "Organic cotton tee with a relaxed fit and a red print"
    out = snippet(text, "red")
    assert "red" in out and _ends_on_word_boundary(text, out)
    assert mark("Red Cap", "cap") == "Red <em>Cap</em>"
