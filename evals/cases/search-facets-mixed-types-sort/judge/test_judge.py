from search.facets import facet, sidebar


def test_mixed_value_types():
    docs = [{"color": "red", "size": 42}, {"color": "red", "size": "M"}, {"color": "blue", "size": 43}]
    out = sidebar(docs)
    assert out["color"] == [("red", 2), ("blue", 1)]
    assert dict(out["size"]) == {42: 1, 43: 1, "M": 1}
    docs.append({"size": "M"})
    assert sidebar(docs)["size"][0] == ("M", 2)


def test_empty_values_dropped():
    assert facet([{"color": ""}, {"color": None}, {"color": "red"}], "color") == [("red", 1)]
