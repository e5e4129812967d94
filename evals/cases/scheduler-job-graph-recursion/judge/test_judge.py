import pytest

from scheduler.jobs import JOBS, run_order, run_nightly


def test_nightly_graph_is_acyclic_and_ordered():
    order = run_nightly()
    assert sorted(order) == sorted(JOBS)
    for job, deps in JOBS.items():
        for dep in deps:
            assert order.index(dep) < order.index(job)


def test_cycles_are_reported_clearly():
    with pytest.raises(ValueError, match="cycle"):
        run_order({"a": ["b"], "b": ["a"]})
