from reports.pages import links, page_count


def test_counts():
    assert page_count(0, 20) == 1
    assert page_count(20, 20) == 1
    assert page_count(21, 20) == 2
    assert page_count(45, 20) == 3


def test_links_reach_last_page():
    assert links(2, 45, 20) == {"first": 1, "last": 3, "next": 3, "prev": 1}
