from reports.kpi import team_kpis


def test_team_without_answers():
    out = team_kpis("apac", [{"team": "apac", "first_response_min": None}])
    assert out["tickets"] == 1 and out["answered"] == 0 and out["unanswered"] == 1
    assert out["fastest_min"] is None and out["slowest_min"] is None


def test_team_with_answers():
    out = team_kpis("eu", [{"team": "eu", "first_response_min": 12}, {"team": "eu", "first_response_min": 4}])
    assert (out["fastest_min"], out["slowest_min"]) == (4, 12)
