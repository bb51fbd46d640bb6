"""The emulator's API in-process: SEI's status codes, error body, jobs and admin surface."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from statesync.emulator.app import create_app
from statesync.emulator.config import Behaviour, EmulatorConfig
from statesync.remote.config import LOCAL_APP_KEY, LOCAL_APP_SECRET

BASIC = base64.b64encode(f"{LOCAL_APP_KEY}:{LOCAL_APP_SECRET}".encode()).decode()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PATCH = {"Content-Type": "application/json-patch+json"}


class Sei:
    """A synchronous view of an in-process emulator, one request at a time."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                return await c.request(method, url, **options)

        return asyncio.run(send())

    def get(self, url: str, **options: Any) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        return self.request("POST", url, **options)

    def patch(self, url: str, **options: Any) -> httpx.Response:
        return self.request("PATCH", url, **options)

    def delete(self, url: str, **options: Any) -> httpx.Response:
        return self.request("DELETE", url, **options)


def new_sei(seed: int) -> Sei:
    return Sei(create_app(EmulatorConfig(seed=seed, behaviour=Behaviour(job_delay_ms=0))))


@pytest.fixture
def sei() -> Sei:
    return new_sei(3)


def token(sei: Sei, authorization: str = f"Basic {BASIC}") -> str:
    response = sei.post(
        "/v2/oauthtoken",
        content="grant_type=client_credentials",
        headers={**FORM, "Authorization": authorization},
    )
    assert response.status_code == 200, response.text
    value: str = response.json()["access_token"]
    return value


def auth(sei: Sei) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(sei)}", "AppKey": LOCAL_APP_KEY}


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert message in body["message"]
    assert body["trackingId"] == response.headers["requesttrackingid"]
    assert set(body) == {"code", "message", "trackingId", "transient", "errors"}
    return body


def test_token_accepts_basic_with_or_without_prefix(sei: Sei) -> None:
    assert token(sei) != token(sei, BASIC)
    response = sei.post(
        "/v2/oauthtoken",
        content="grant_type=client_credentials",
        headers={**FORM, "Authorization": f"Basic {BASIC}"},
    )
    assert response.json()["expires_in"] == 3600
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("headers", "content", "status", "message"),
    [
        ({**FORM}, "grant_type=client_credentials", 401, "missing"),
        (
            {**FORM, "Authorization": base64.b64encode(b"statesync-local-key:nope").decode()},
            "grant_type=client_credentials",
            401,
            "Invalid client credentials",
        ),
        ({**FORM, "Authorization": "Basic %%%"}, "grant_type=client_credentials", 401, "base64"),
        ({"Authorization": f"Basic {BASIC}"}, "grant_type=client_credentials", 400, "Content-Type"),
        ({**FORM, "Authorization": f"Basic {BASIC}"}, "grant_type=password", 400, "grant_type"),
    ],
)
def test_token_refusals(
    sei: Sei, headers: dict[str, str], content: str, status: int, message: str
) -> None:
    response = sei.post("/v2/oauthtoken", content=content, headers=headers)
    code = "gateway.authentication.failure" if status == 401 else "request.validation.failure"
    assert_error(response, status, code, message)


def test_401_for_missing_bad_or_expired_token_and_403_for_another_app_key(
    sei: Sei,
) -> None:
    missing = sei.get("/v1/investors", headers={"AppKey": LOCAL_APP_KEY})
    assert_error(missing, 401, "gateway.authentication.failure", "Access Token missing")
    bad = sei.get("/v1/investors", headers={"Authorization": "Bearer x", "AppKey": LOCAL_APP_KEY})
    assert_error(bad, 401, "gateway.authentication.failure", "Invalid Access Token")
    headers = auth(sei)
    other = sei.get("/v1/investors", headers={**headers, "AppKey": "someone-else"})
    assert_error(other, 403, "gateway.authorization.failure", "AppKey")
    sei.post("/_emulator/clock", json={"advance": 3600})
    expired = sei.get("/v1/investors", headers=headers)
    assert_error(expired, 401, "gateway.authentication.failure", "Access Token expired")


def test_400_for_wrong_content_type_or_body_shape(sei: Sei) -> None:
    headers = auth(sei)
    wrong_type = sei.patch(
        "/v1/investors/INV-1001", json=[{"externalId": "INV-1001"}], headers=headers
    )
    body = assert_error(
        wrong_type, 400, "request.validation.failure", "application/json-patch+json"
    )
    assert body["errors"] == [
        {
            "field": "Content-Type",
            "location": "header",
            "reason": "Content-Type must be application/json-patch+json",
        }
    ]
    cases = [
        (b"not json", "not JSON"),
        (b'{"externalId": "INV-1001"}', "exactly one investor object"),
        (b'[{"externalId": "INV-1002"}]', "is not the path's"),
        (b'[{"externalId": "INV-1001", "shoeSize": 9}]', "'shoeSize' is not a field"),
    ]
    for content, message in cases:
        response = sei.patch(
            "/v1/investors/INV-1001", content=content, headers={**headers, **PATCH}
        )
        assert_error(response, 400, "request.validation.failure", message)


def test_404_for_an_unknown_external_id_and_unknown_paths(sei: Sei) -> None:
    headers = {**auth(sei), **PATCH}
    response = sei.patch("/v1/investors/NOPE", json=[{"externalId": "NOPE"}], headers=headers)
    assert_error(response, 404, "resource.not.found", "NOPE")
    assert_error(sei.get("/v1/nothing-here"), 404, "resource.not.found", "Not Found")
    job = sei.get("/v1/jobs/insight/status/unknown", headers=headers)
    assert_error(job, 404, "resource.not.found", "No job")


def test_a_job_applies_all_or_nothing(sei: Sei) -> None:
    headers = {**auth(sei), **PATCH}
    body = [
        {
            "externalId": "INV-1003",
            "name": {"fullName": "Renamed"},
            "address": [{"type": "Legal", "stateCode": "ZZ"}],
        }
    ]
    accepted = sei.patch("/v1/investors/INV-1003", json=body, headers=headers)
    assert accepted.status_code == 202
    key = accepted.json()["data"]["jobStatusQueryKey"]
    status = sei.get(f"/v1/jobs/insight/status/{key}", headers=headers).json()
    assert status["status"] == "Failed"
    assert status["validationMessage"] == [
        "address[Legal].stateCode: 'ZZ' is not a two-letter US state or province code"
    ]
    shown = sei.get("/_emulator/investors/INV-1003").json()
    assert shown["name"]["fullName"] == "Harbor Point Capital Partners LP"


def test_rfc6902_bodies_are_accepted_too(sei: Sei) -> None:
    headers = {**auth(sei), **PATCH}
    ops = [{"op": "replace", "path": "/address/Legal/city", "value": "Stamford"}]
    assert sei.patch("/v1/investors/INV-1003", json=ops, headers=headers).status_code == 202
    shown = sei.get("/_emulator/investors/INV-1003").json()
    assert shown["address"][0]["city"] == "Stamford"


def test_paging_cursors_are_opaque_and_bounded(sei: Sei) -> None:
    headers = auth(sei)
    first = sei.get("/v1/investors", params={"limit": 8}, headers=headers).json()
    paging = first["paging"]
    assert (paging["totalCount"], paging["limit"], paging["cursors"]["before"]) == (20, 8, None)
    second = sei.get(
        "/v1/investors", params={"limit": 8, "after": paging["cursors"]["after"]}, headers=headers
    ).json()
    back = sei.get(
        "/v1/investors",
        params={"limit": 8, "before": second["paging"]["cursors"]["before"]},
        headers=headers,
    ).json()
    assert [i["externalId"] for i in back["data"]] == [i["externalId"] for i in first["data"]]
    too_many = sei.get("/v1/investors", params={"limit": 51}, headers=headers)
    assert_error(too_many, 400, "request.validation.failure", "limit must be 1 to 50")
    bogus = sei.get("/v1/investors", params={"after": "!!"}, headers=headers)
    assert_error(bogus, 400, "request.validation.failure", "not a cursor")


def test_admin_scripts_faults_and_tunes_behaviour(sei: Sei) -> None:
    headers = auth(sei)
    sei.post("/_emulator/faults", json={"kind": "status", "status": 429, "retryAfter": 2})
    limited = sei.get("/v1/investors", headers=headers)
    body = assert_error(limited, 429, "scripted.fault", "Scripted failure")
    assert body["transient"] is True and limited.headers["Retry-After"] == "2"
    assert sei.get("/v1/investors", headers=headers).status_code == 200
    sei.patch("/_emulator/behaviour", json={"fail_rate": 1.0})
    failing = sei.get("/v1/investors", headers=headers)
    assert_error(failing, 500, "internal.server.error", "Internal Server Error")
    assert sei.patch("/_emulator/behaviour", json={"colour": "red"}).status_code == 400
    sei.post("/_emulator/reset")
    assert sei.get("/v1/investors", headers=headers).status_code == 200


def test_latency_slows_every_api_answer(sei: Sei) -> None:
    headers = auth(sei)
    sei.patch("/_emulator/behaviour", json={"latency_ms": 80})
    started = time.monotonic()
    assert sei.get("/v1/investors", headers=headers).status_code == 200
    assert time.monotonic() - started >= 0.08


def test_rate_limit_answers_429_with_retry_after(sei: Sei) -> None:
    headers = auth(sei)
    sei.patch("/_emulator/behaviour", json={"rate_limit": 2})
    codes = [sei.get("/v1/investors", headers=headers).status_code for _ in range(4)]
    assert codes[:2] == [200, 200] and 429 in codes[2:]


def test_records_change_behind_the_clients_back(sei: Sei) -> None:
    changed = sei.patch(
        "/_emulator/investors/INV-1005",
        json={"name": {"fullName": "Changed Elsewhere"}, "alternateId": "??NULL??"},
    ).json()
    assert changed["name"]["fullName"] == "Changed Elsewhere"
    assert changed["alternateId"] is None
    sei.delete("/_emulator/investors/INV-1005")
    assert sei.get("/_emulator/investors/INV-1005").status_code == 404


def test_ids_and_keys_repeat_for_a_seed() -> None:
    def first_key() -> tuple[str, str]:
        sei = new_sei(11)
        response = sei.patch(
            "/v1/investors/INV-1001",
            json=[{"externalId": "INV-1001", "active": True}],
            headers={**auth(sei), **PATCH},
        )
        shown = sei.get("/_emulator/investors/INV-1001").json()
        return response.json()["data"]["jobStatusQueryKey"], shown["id"]

    assert first_key() == first_key()
