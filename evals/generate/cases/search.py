"""Search: query normalisation, result snippets and facet counts."""

# Spec modules embed the services' source text verbatim; its lines may run long.
# ruff: noqa: E501

from __future__ import annotations

from evals.generate.spec import Case, Commit, Crash, Edit, pad, src

INIT = src('"""Search service."""')

QUERY_V1 = src('''
    """Query handling for the product search endpoint."""

    STOPWORDS = {"the", "a", "an", "and", "or"}


    def terms(q):
        return [t for t in (q or "").lower().split() if t not in STOPWORDS]


    def search(params, index):
        wanted = terms(params.get("q"))
        hits = [doc for doc in index if all(t in doc["title"].lower() for t in wanted)]
        return {"terms": wanted, "hits": [d["id"] for d in hits]}
''')

INDEX = '[{"id": 1, "title": "Red Tee"}, {"id": 2, "title": "Blue Mug"}, {"id": 3, "title": "Red Cap"}]'

query_none = Case(
    id="search-missing-query-none",
    title="AttributeError: 'NoneType' object has no attribute 'strip' in terms",
    source="sentry",
    service="search",
    start="2026-11-02T13:00:00",
    commits=[
        Commit(
            "Product search endpoint",
            "ana",
            files={
                "search/__init__.py": INIT,
                "search/query.py": QUERY_V1,
                "tests/test_query.py": src(f'''
                    from search.query import search

                    INDEX = {INDEX}


                    def test_search():
                        assert search({{"q": "red"}}, INDEX)["hits"] == [1, 3]


                    def test_stopwords():
                        assert search({{"q": "the Red cap"}}, INDEX)["hits"] == [3]
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Search: sort hits by title",
            "gus",
            edits=[
                Edit(
                    "search/query.py",
                    '    return {"terms": wanted, "hits": [d["id"] for d in hits]}\n',
                    '    hits.sort(key=lambda d: (d["title"].lower(), d["id"]))\n'
                    '    return {"terms": wanted, "hits": [d["id"] for d in hits]}\n',
                ),
                Edit("tests/test_query.py", '["hits"] == [1, 3]', '["hits"] == [3, 1]'),
            ],
            deploy="production",
            hours=22,
        ),
        Commit(
            "Search: trim and collapse whitespace in queries\n\n"
            "Pasted queries arrive with tabs and non-breaking spaces.",
            "chen",
            edits=[
                Edit(
                    "search/query.py",
                    '    return [t for t in (q or "").lower().split() if t not in STOPWORDS]\n',
                    '    cleaned = q.strip().replace("\\u00a0", " ")\n'
                    "    return [t for t in cleaned.lower().split() if t not in STOPWORDS]\n",
                )
            ],
            deploy="production",
            hours=27,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="search.query:search",
        args='{"category": "mugs"}, ' + INDEX,
        tags={"transaction": "GET /search"},
    ),
    files=["search/query.py"],
    functions=["terms"],
    judge=src(f'''
        from search.query import search, terms

        INDEX = {INDEX}


        def test_missing_query_matches_everything():
            assert search({{"category": "mugs"}}, INDEX)["hits"] == [2, 3, 1]
            assert terms(None) == []


        def test_cleanup_kept():
            assert terms("  red\\u00a0tee ") == ["red", "tee"]
            assert search({{"q": "the Red cap"}}, INDEX)["hits"] == [3]
    '''),
    fix=[
        Edit(
            "search/query.py",
            '    cleaned = q.strip().replace("\\u00a0", " ")\n',
            '    cleaned = (q or "").strip().replace("\\u00a0", " ")\n',
        )
    ],
    tags=["AttributeError", "none-handling", "regression"],
)

SNIPPET_V1 = src('''
    """Result snippets with the first match highlighted."""


    def snippet(text, term, width=20):
        pos = text.lower().find(term.lower())
        if pos < 0:
            return text[:width]
        start = max(pos - width // 2, 0)
        return text[start : start + width]
''')

snippet_bounds = Case(
    id="search-snippet-word-boundary-index",
    title="IndexError: string index out of range in snippet",
    source="sentry",
    service="search",
    start="2026-11-04T09:20:00",
    commits=[
        Commit(
            "Search result snippets",
            "fay",
            files={
                "search/__init__.py": INIT,
                "search/snippets.py": SNIPPET_V1,
                "tests/test_snippets.py": src('''
                    from search.snippets import snippet


                    def test_snippet_around_match():
                        text = "A red print on organic cotton, relaxed fit"
                        assert snippet(text, "red") == "A red print on organic"


                    def test_no_match():
                        assert snippet("abc", "zzz") == "abc"
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Snippets: do not cut words in half\n\n"
            "Extend the window to the end of the word it ends in.",
            "dora",
            edits=[
                Edit(
                    "search/snippets.py",
                    "    start = max(pos - width // 2, 0)\n"
                    "    return text[start : start + width]\n",
                    "    start = max(pos - width // 2, 0)\n"
                    "    end = start + width\n"
                    '    while text[end] != " ":\n'
                    "        end += 1\n"
                    "    return text[start:end]\n",
                )
            ],
            deploy="production",
            hours=25,
        ),
        Commit(
            "Snippets: mark the match",
            "fay",
            edits=[
                Edit(
                    "search/snippets.py",
                    "def snippet(text, term, width=20):\n",
                    "def mark(text, term):\n"
                    "    pos = text.lower().find(term.lower())\n"
                    "    if pos < 0:\n"
                    "        return text\n"
                    '    return text[:pos] + "<em>" + text[pos : pos + len(term)] + "</em>" + text[pos + len(term):]\n'
                    "\n\n"
                    "def snippet(text, term, width=20):\n",
                )
            ],
            deploy="production",
            hours=21,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="search.snippets:snippet",
        args='"Stoneware mug, dishwasher safe", "safe"',
        tags={"transaction": "GET /search"},
    ),
    files=["search/snippets.py"],
    functions=["snippet"],
    judge=src('''
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
    '''),
    fix=[
        Edit(
            "search/snippets.py",
            '    while text[end] != " ":\n',
            '    while end < len(text) and text[end] != " ":\n',
        )
    ],
    tags=["IndexError", "bounds", "regression"],
)

FACETS_V1 = src('''
    """Facet counts for the filter sidebar."""

    from collections import Counter


    def facet(docs, field):
        counts = Counter(doc[field] for doc in docs if field in doc)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
''')

facets_types = Case(
    id="search-facets-mixed-types-sort",
    title="TypeError: '<' not supported between instances of 'int' and 'str' in facet",
    source="sentry",
    service="search",
    start="2026-11-05T08:00:00",
    commits=[
        Commit(
            "Facet counts",
            "ben",
            files={
                "search/__init__.py": INIT,
                "search/facets.py": FACETS_V1,
                "tests/test_facets.py": src('''
                    from search.facets import facet


                    def test_facet_counts():
                        docs = [{"color": "red"}, {"color": "blue"}, {"color": "red"}, {}]
                        assert facet(docs, "color") == [("red", 2), ("blue", 1)]
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Facets: size facet reads the catalogue's size field\n\n"
            "Numeric sizes (shoe sizes) come from the catalogue as ints, letters as strings.",
            "eli",
            edits=[
                Edit(
                    "search/facets.py",
                    "def facet(docs, field):\n",
                    "FIELDS = {\"color\": \"color\", \"size\": \"size\"}\n\n\n"
                    "def sidebar(docs):\n"
                    "    return {name: facet(docs, field) for name, field in sorted(FIELDS.items())}\n\n\n"
                    "def facet(docs, field):\n",
                )
            ],
            deploy="production",
            hours=30,
        ),
        Commit(
            "Facets: drop empty values",
            "ben",
            edits=[
                Edit(
                    "search/facets.py",
                    "    counts = Counter(doc[field] for doc in docs if field in doc)\n",
                    "    counts = Counter(doc[field] for doc in docs if doc.get(field) not in (None, \"\"))\n",
                )
            ],
            deploy="production",
            hours=20,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="search.facets:sidebar",
        args='[{"color": "red", "size": 42}, {"color": "red", "size": "M"}, {"color": "blue", "size": 43}]',
        tags={"transaction": "GET /search/sidebar"},
    ),
    files=["search/facets.py"],
    functions=["facet"],
    judge=src('''
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
    '''),
    fix=[
        Edit(
            "search/facets.py",
            "    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))\n",
            "    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))\n",
        )
    ],
    tags=["TypeError", "types", "regression"],
)

CASES = [
    pad(query_none, "version"),
    pad(snippet_bounds, "ci"),
    pad(facets_types, "health"),
]
