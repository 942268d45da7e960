from conftest import Api, household
from domain.access import Role


def test_secretariat_opens_and_reads_a_case(api: Api) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    headers = api.login("jimu")
    created = api.client.post("/cases", json=household(), headers=headers)
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["number"] == "2026-0001"
    assert case["area"] == "east"
    read = api.client.get(f"/cases/{case['id']}", headers=headers)
    assert read.status_code == 200
    assert read.headers["etag"] == f'"{case["id"]}.{case["version"]}"'
