from reports.render import render
from reports.tenants import TenantSettings

ROWS = [(f"sku-{n:03d}", n) for n in range(60)]


def test_standard_page_size_is_25():
    out = render("Sales", ROWS, 1, TenantSettings("globex")).splitlines()
    assert out[0] == "Sales - page 1 of 3"
    assert len(out) == 26 and out[-1].startswith("sku-024")


def test_last_standard_page_holds_the_rest():
    out = render("Sales", ROWS, 3, TenantSettings("globex")).splitlines()
    assert out[0] == "Sales - page 3 of 3" and len(out) == 11


def test_a_tenant_may_choose_its_page_size():
    out = render("Sales", ROWS, 2, TenantSettings("acme", page_size=50)).splitlines()
    assert out[0] == "Sales - page 2 of 2" and len(out) == 11
