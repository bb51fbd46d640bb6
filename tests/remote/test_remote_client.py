"""The client against a real emulator process over loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from statesync.emulator.process import RunningEmulator
from statesync.errors import AuthError, NotFoundError, RemoteError, TransientError
from statesync.kinds import INVESTOR
from statesync.remote import Credentials, Environment, RequestRecord, SeiClient, to_wire
from statesync.remote.models import TradeInstruction

T = TypeVar("T")

pytestmark = pytest.mark.e2e


def run(
    env: Environment,
    credentials: Credentials,
    body: Callable[[SeiClient], Awaitable[T]],
    records: list[RequestRecord] | None = None,
    http: httpx.AsyncClient | None = None,
) -> T:
    """Run ``body`` with a fresh client, collecting every request record."""

    async def main() -> T:
        sink = records if records is not None else []
        async with SeiClient(env, credentials, http=http, on_request=sink.append) as client:
            return await body(client)

    return asyncio.run(main())


def test_get_and_list_investors_in_canonical_form(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    async def body(client: SeiClient) -> Any:
        one = await client.get_investor("INV-1002")
        every = [r async for r in client.list_investors()]
        return one, every

    one, every = run(emulator_env, emulator.credentials, body)
    assert set(one["address"]) == {"Legal", "Mailing"}
    assert "type" not in one["address"]["Legal"]
    assert "externalId" not in one and "id" not in one and "changeDate" not in one
    assert {f"INV-{n}" for n in range(1001, 1007)} <= {r.external_id for r in every}
    assert len(every) == 20


def test_token_is_fetched_once_and_reused(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    records: list[RequestRecord] = []

    async def body(client: SeiClient) -> None:
        for external_id in ("INV-1001", "INV-1003", "INV-1004"):
            await client.get_investor(external_id)

    run(emulator_env, emulator.credentials, body, records)
    assert [r.path for r in records].count("/v2/oauthtoken") == 1
    assert all(r.tracking_id for r in records)


def test_token_is_renewed_once_on_401(emulator: RunningEmulator, emulator_env: Environment) -> None:
    records: list[RequestRecord] = []

    async def body(client: SeiClient) -> None:
        await client.get_investor("INV-1001")
        emulator.admin.expire_tokens()
        await client.get_investor("INV-1001")

    run(emulator_env, emulator.credentials, body, records)
    assert [(r.path, r.status_code) for r in records] == [
        ("/v2/oauthtoken", 200),
        ("/v1/investors", 200),
        ("/v1/investors", 401),
        ("/v2/oauthtoken", 200),
        ("/v1/investors", 200),
    ]
    assert "Access Token expired" in (records[2].error or "")


def test_idle_token_is_renewed(emulator: RunningEmulator, emulator_env: Environment) -> None:
    records: list[RequestRecord] = []

    async def body(client: SeiClient) -> None:
        await client.get_investor("INV-1001")
        emulator.admin.advance_clock(31 * 60)
        await client.get_investor("INV-1001")

    run(emulator_env, emulator.credentials, body, records)
    assert [r.status_code for r in records if r.path == "/v1/investors"] == [200, 401, 200]


def test_wrong_credentials_are_an_auth_error(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    records: list[RequestRecord] = []
    with pytest.raises(AuthError, match="Invalid client credentials"):
        run(emulator_env, Credentials("statesync-local-key", "wrong"), _get_1001, records)
    assert len(records) == 1


def test_an_app_key_not_the_tokens_is_403(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    async def swap_app_key(request: httpx.Request) -> None:
        if request.url.path.startswith("/v1/"):
            request.headers["AppKey"] = "someone-else"

    async def body(client: SeiClient) -> Any:
        return await client.get_investor("INV-1001")

    async def main() -> None:
        hooks = {"request": [swap_app_key]}
        async with (
            httpx.AsyncClient(event_hooks=hooks) as http,
            SeiClient(emulator_env, emulator.credentials, http=http) as client,
        ):
            await body(client)

    with pytest.raises(AuthError) as caught:
        asyncio.run(main())
    assert caught.value.status_code == 403
    assert "AppKey does not match" in str(caught.value)
    assert caught.value.tracking_id


async def _get_1001(client: SeiClient) -> Any:
    return await client.get_investor("INV-1001")


def test_unknown_investor_is_not_found(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    records: list[RequestRecord] = []

    async def body(client: SeiClient) -> Any:
        return await client.patch_investor(
            INVESTOR, "INV-9999", [{"op": "replace", "path": "/active", "value": True}]
        )

    with pytest.raises(NotFoundError, match="INV-9999") as caught:
        run(emulator_env, emulator.credentials, body, records)
    assert caught.value.tracking_id == records[-1].tracking_id
    with pytest.raises(NotFoundError):
        run(emulator_env, emulator.credentials, lambda c: c.get_investor("INV-9999"))


def test_400_carries_field_and_reason_and_is_not_retried(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    records: list[RequestRecord] = []
    env = replace(emulator_env, wire="rfc6902")

    async def body(client: SeiClient) -> Any:
        return await client.patch_investor(
            INVESTOR, "INV-1001", [{"op": "replace", "path": "/nickname", "value": "x"}]
        )

    with pytest.raises(RemoteError) as caught:
        run(env, emulator.credentials, body, records)
    error = caught.value
    assert error.status_code == 400
    assert error.code == "request.validation.failure"
    assert [(p.field, p.reason) for p in error.problems] == [
        ("/nickname", "/nickname: 'nickname' is not a field of Investor")
    ]
    assert [r.status_code for r in records if r.method == "PATCH"] == [400]


def test_5xx_is_retried_until_it_succeeds(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    emulator.admin.fault("status", status=500, count=2)
    records: list[RequestRecord] = []
    run(emulator_env, emulator.credentials, _get_1001, records)
    gets = [r for r in records if r.path == "/v1/investors"]
    assert [(r.status_code, r.attempt) for r in gets] == [(500, 1), (500, 2), (200, 3)]
    assert len({r.tracking_id for r in gets}) == 3


def test_429_honours_retry_after(emulator: RunningEmulator, emulator_env: Environment) -> None:
    emulator.admin.fault("status", status=429, retry_after=1)
    records: list[RequestRecord] = []
    started = time.monotonic()
    run(emulator_env, emulator.credentials, _get_1001, records)
    assert time.monotonic() - started >= 1.0
    assert [r.status_code for r in records if r.path == "/v1/investors"] == [429, 200]


def test_retries_are_bounded(emulator: RunningEmulator, emulator_env: Environment) -> None:
    emulator.admin.fault("status", status=503, count=10)
    records: list[RequestRecord] = []
    with pytest.raises(TransientError, match="gave up after 3 attempts") as caught:
        run(replace(emulator_env, max_attempts=3), emulator.credentials, _get_1001, records)
    assert caught.value.status_code == 503
    assert len([r for r in records if r.path == "/v1/investors"]) == 3


def test_a_hanging_request_times_out_and_is_retried(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    emulator.admin.fault("hang", seconds=1.0)
    records: list[RequestRecord] = []
    run(replace(emulator_env, read_timeout=0.2), emulator.credentials, _get_1001, records)
    gets = [r for r in records if r.path == "/v1/investors"]
    assert gets[0].status_code is None and "Timeout" in (gets[0].error or "")
    assert gets[1].status_code == 200


def test_patch_sends_the_wire_body_and_the_job_completes(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    ops = [
        {"op": "replace", "path": "/address/Legal/city", "value": "Newton"},
        {"op": "remove", "path": "/address/Mailing"},
        {"op": "remove", "path": "/alternateId"},
    ]

    async def body(client: SeiClient) -> Any:
        accepted = await client.patch_investor(INVESTOR, "INV-1002", ops)
        status = await client.wait_for_job(accepted.job_key)
        return accepted, status, await client.get_investor("INV-1002")

    accepted, status, after = run(emulator_env, emulator.credentials, body)
    assert status.succeeded and status.batch_id
    (received,) = emulator.admin.received()
    assert received["body"] == to_wire(INVESTOR, "INV-1002", ops)
    assert received["contentType"] == "application/json-patch+json"
    assert received["jobKey"] == accepted.job_key
    assert after["address"]["Legal"]["city"] == "Newton"
    assert "Mailing" not in after["address"]
    assert after["alternateId"] is None


def test_a_job_with_a_bad_value_fails_with_messages_and_changes_nothing(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    ops = [
        {"op": "replace", "path": "/name/fullName", "value": "Changed"},
        {"op": "replace", "path": "/address/Legal/countryIsoCode", "value": "XX"},
        {"op": "replace", "path": "/dob", "value": "02/30/1971"},
    ]

    async def body(client: SeiClient) -> Any:
        accepted = await client.patch_investor(INVESTOR, "INV-1001", ops)
        return await client.wait_for_job(accepted.job_key), await client.get_investor("INV-1001")

    status, after = run(emulator_env, emulator.credentials, body)
    assert status.failed
    assert any(m.startswith("address[Legal].countryIsoCode:") for m in status.validation_messages)
    assert "dob: invalid value (not shown: sensitive field)" in status.validation_messages
    assert not any("1971" in m for m in status.validation_messages)
    assert after["name"]["fullName"] == "Margaret A. Whitfield"


def test_jobs_report_in_progress_first_and_scripted_outcomes(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    emulator.admin.behave(job_delay_ms=300)
    emulator.admin.fault("job", outcome="fail", message="Downstream system unavailable")
    emulator.admin.fault("job", outcome="stuck")
    op = [{"op": "replace", "path": "/active", "value": True}]

    async def body(client: SeiClient) -> Any:
        failing = await client.patch_investor(INVESTOR, "INV-1001", op)
        stuck = await client.patch_investor(INVESTOR, "INV-1003", op)
        first = await client.job_status(failing.job_key)
        return (
            first,
            await client.wait_for_job(failing.job_key),
            await client.wait_for_job(stuck.job_key, max_wait=0.5),
        )

    first, failed, stuck = run(emulator_env, emulator.credentials, body)
    assert first.status == "In Progress" and not first.done
    assert failed.failed and failed.validation_messages == ["Downstream system unavailable"]
    assert stuck.status == "In Progress"


def test_paging_over_more_than_50_records(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    emulator.admin.load(
        {
            "investors": [
                {
                    "externalId": f"P-{n:04d}",
                    "name": {"fullName": f"Investor {n}"},
                    "active": n % 2 == 0,
                }
                for n in range(120)
            ]
        }
    )
    records: list[RequestRecord] = []

    async def body(client: SeiClient) -> Any:
        every = [r.external_id async for r in client.list_investors()]
        active = [r.external_id async for r in client.list_investors(active=True)]
        return every, active

    every, active = run(emulator_env, emulator.credentials, body, records)
    assert every == [f"P-{n:04d}" for n in range(120)]
    assert len(active) == 60
    assert len([r for r in records if r.path == "/v1/investors"]) == 3 + 2


def test_change_date_filters(emulator: RunningEmulator, emulator_env: Environment) -> None:
    before_touch = datetime.now(UTC) - timedelta(seconds=1)
    emulator.admin.touch("INV-1004", {"alternateId": "ALT-NEW"})

    async def body(client: SeiClient) -> Any:
        recent = [r async for r in client.list_investors(change_start=before_touch)]
        old = [
            r.external_id
            async for r in client.list_investors(change_end=datetime(2025, 1, 31, 23, 59))
        ]
        return recent, old

    recent, old = run(emulator_env, emulator.credentials, body)
    assert [r.external_id for r in recent] == ["INV-1004"]
    assert recent[0].document["alternateId"] == "ALT-NEW"
    assert recent[0].change_date is not None
    assert old and "INV-1004" not in old


def test_create_by_post(emulator: RunningEmulator, emulator_env: Environment) -> None:
    document = {
        "name": {"fullName": "New Investor LLC"},
        "address": {"Legal": {"city": "Dover", "stateCode": "DE", "countryIsoCode": "US"}},
        "alternateId": None,
    }

    async def body(client: SeiClient) -> Any:
        accepted = await client.create_investor("INV-2001", document)
        return await client.wait_for_job(accepted.job_key), await client.get_investor("INV-2001")

    status, created = run(emulator_env, emulator.credentials, body)
    assert status.succeeded
    assert created["address"]["Legal"]["city"] == "Dover"
    (received,) = emulator.admin.received()
    assert received["body"] == {
        "externalId": "INV-2001",
        "name": {"fullName": "New Investor LLC"},
        "address": [{"type": "Legal", "city": "Dover", "stateCode": "DE", "countryIsoCode": "US"}],
    }


def test_trade_tickets_and_instructions(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    instruction = TradeInstruction(
        batch_id="B-1", batch_size=1, trade_ticket_id=81000, side="Buy", cusip="037833100"
    )

    async def body(client: SeiClient) -> Any:
        every = await client.list_trade_tickets()
        refresh = await client.list_trade_tickets(status="Refresh", limit=1)
        posted = await client.post_trade_instruction(instruction)
        return every, refresh, posted

    every, refresh, posted = run(emulator_env, emulator.credentials, body)
    assert len(every) == 8
    assert [t.status for t in refresh] == ["Refresh", "Refresh"]
    assert posted.data["status"] == "Received" and posted.tracking_id
    assert emulator.admin.received()[0]["body"]["data"]["tradeTicketId"] == 81000


def test_the_rate_limit_spaces_requests(
    emulator: RunningEmulator, emulator_env: Environment
) -> None:
    records: list[RequestRecord] = []

    async def body(client: SeiClient) -> None:
        await asyncio.gather(*(client.get_investor("INV-1001") for _ in range(6)))

    started = time.monotonic()
    run(replace(emulator_env, rate_limit=40.0), emulator.credentials, body, records)
    assert len(records) == 7  # the token, then six GETs
    assert time.monotonic() - started >= 6 / 40
