from tests.conftest import Api, Org


def test_agent_creates_and_reads_a_case(acme: Org, api: Api) -> None:
    """TD1, MT4: the agent who receives a complaint creates the case."""
    r = api.post("cases", {"customer_id": acme.customer.pk, "kind": "complaint", "subject": "Late"})
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["reference"] == "ACME-000001"
    r = api.get(f"cases/{case['id']}")
    assert r.status_code == 200
    assert r["ETag"] == '"1"'
    r = api.get("cases?status=new")
    assert [c["id"] for c in r.json()["items"]] == [case["id"]]
