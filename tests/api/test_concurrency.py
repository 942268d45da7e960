"""Concurrency through the API: two edits with the same ETag → exactly one wins, the other gets
412 and nothing is lost; fifty intakes at once → fifty case numbers without gaps."""

import threading
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from api.clock import today
from api.models import Case
from conftest import Api, household
from domain.access import Role


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Runs the calls in threads released together; returns their responses in call order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = calls[n]()
        except BaseException as exc:  # surfaces in the assertion below
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(isinstance(r, httpx.Response) for r in results), results
    return results


def _world(api: Api) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    api.user("coord", "shakyo_east", Role.COORDINATOR, area="east")
    jimu, coord = api.login("jimu"), api.login("coord")
    case = api.client.post("/cases", json=household(), headers=jimu).json()
    return jimu, coord, case


def _one_wins(responses: list[httpx.Response]) -> httpx.Response:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 412)
    assert loser.headers["content-type"].startswith("application/problem+json")
    return next(r for r in responses if r.status_code == 200)


def test_two_edits_of_a_case_with_the_same_etag(api: Api) -> None:
    jimu, _, case = _world(api)
    url = f"/cases/{case['id']}"
    etag = api.client.get(url, headers=jimu).headers["etag"]
    edits = [{"referrer": "民生委員 A"}, {"referrer": "民生委員 B"}]

    responses = _at_once(
        [
            lambda body=body: api.client.patch(url, json=body, headers=jimu | {"If-Match": etag})
            for body in edits
        ]
    )

    winner = _one_wins(responses)
    stored = api.client.get(url, headers=jimu).json()
    assert stored["referrer"] == winner.json()["referrer"]
    assert stored["version"] == case["version"] + 1


def test_two_edits_of_a_plan_with_the_same_etag(api: Api) -> None:
    jimu, _, case = _world(api)
    plan = api.client.post(
        f"/cases/{case['id']}/plans",
        json={
            "assessmentSummary": "課題",
            "goals": [{"term": "long", "text": "目標"}],
            "monitoringEveryMonths": 3,
        },
        headers=jimu,
    )
    assert plan.status_code == 201, plan.text
    url = f"/plans/{plan.json()['id']}"
    etag = plan.headers["etag"]
    summaries = ["母の介護が中心", "長男の就労が中心"]

    responses = _at_once(
        [
            lambda text=text: api.client.patch(
                url, json={"assessmentSummary": text}, headers=jimu | {"If-Match": etag}
            )
            for text in summaries
        ]
    )

    winner = _one_wins(responses)
    assert api.client.get(url, headers=jimu).json()["assessmentSummary"] == (
        winner.json()["assessmentSummary"]
    )


def test_two_edits_of_a_meeting_with_the_same_etag(api: Api) -> None:
    jimu, _, _ = _world(api)
    meeting = api.client.post(
        "/meetings",
        json={"kind": "support", "day": today().isoformat(), "regular": False},
        headers=jimu,
    )
    assert meeting.status_code == 201, meeting.text
    url = f"/meetings/{meeting.json()['id']}"
    etag = meeting.headers["etag"]

    responses = _at_once(
        [
            lambda place=place: api.client.patch(
                url, json={"place": place}, headers=jimu | {"If-Match": etag}
            )
            for place in ("第1会議室", "第2会議室")
        ]
    )

    winner = _one_wins(responses)
    assert api.client.get(url, headers=jimu).json()["place"] == winner.json()["place"]


def test_fifty_intakes_at_once_get_fifty_numbers_without_gaps(api: Api) -> None:
    jimu, _, first = _world(api)
    calls = [
        lambda n=n: api.client.post(
            "/cases", json=household(main_name=f"同時 {n}"), headers=jimu
        )
        for n in range(50)
    ]

    responses = _at_once(calls)

    assert [r.status_code for r in responses] == [201] * 50, {r.text for r in responses}
    year, first_sequence = first["number"].split("-")
    sequences = sorted(int(r.json()["number"].split("-")[1]) for r in responses)
    assert sequences == list(range(int(first_sequence) + 1, int(first_sequence) + 51))
    assert {r.json()["number"].split("-")[0] for r in responses} == {year}
    with api.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 51
