"""HTTP plumbing shared by the routers: documented error responses, If-Match
preconditions and Idempotency-Key replay."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Header
from ninja.responses import Status as Reply
from pydantic import BaseModel

from ladder.api.auth import actor_of
from ladder.api.models import IdempotencyKey
from ladder.api.schemas import ConflictOut, ErrorOut, ValidationErrorOut
from ladder.errors import DomainError, Invalid

# Responses every authenticated operation can give (400: a body that is not JSON).
BASE_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 422: ValidationErrorOut}


def responses(ok: dict[int, Any], *codes: int) -> dict[int, Any]:
    """The documented responses of one operation: its successes, the base errors and
    the extra error codes it can produce."""
    extra = {
        403: ErrorOut,
        404: ErrorOut,
        409: ConflictOut,
        412: ErrorOut,
        428: ErrorOut,
    }
    out = dict(ok)
    out.update(BASE_ERRORS)
    for code in codes:
        out.setdefault(code, extra[code])
    return out


class PreconditionRequired(DomainError):
    """An update came without the version it was based on (HTTP 428)."""


ETAG_PATTERN = r'^\s*(?:W/)?"?(\d{1,9})"?\s*$'
_ETAG = re.compile(ETAG_PATTERN)
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", pattern=ETAG_PATTERN, description='the ETag you read, e.g. "3"'),
]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="makes a create safe to retry: any unique visible-ASCII string",
    ),
]


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int:
    if if_match is None:
        raise PreconditionRequired(
            'send If-Match with the ETag you read (e.g. If-Match: "3") so that no update is lost'
        )
    match = _ETAG.match(if_match)
    if match is None:
        raise Invalid.field("If-Match", 'must be an ETag such as "3"')
    return int(match.group(1))


class IdempotencyConflict(DomainError):
    """A request with this key is still being processed (HTTP 409)."""


_KEY = re.compile(KEY_PATTERN)
Out = TypeVar("Out", bound=BaseModel)


def idempotent(
    request: HttpRequest,
    key: str | None,
    body: BaseModel | None,
    run: Callable[[], Reply[Out]],
    response: HttpResponse | None = None,
) -> Reply[Any]:
    """Runs a create once per ``Idempotency-Key``: the same key with the same body
    returns the first result and creates nothing; a different body is refused. A
    replayed result carries the ETag of the version it was created at."""
    if key is None:
        return run()
    if not _KEY.match(key):
        raise Invalid.field("Idempotency-Key", "must be 1 to 255 visible ASCII characters")
    actor = actor_of(request)
    assert actor.staff is not None
    payload = body.model_dump(mode="json") if body is not None else None
    fingerprint = hashlib.sha256(
        json.dumps([request.method, request.path, payload], sort_keys=True).encode()
    ).hexdigest()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                staff=actor.staff, key=key, fingerprint=fingerprint
            )
    except IntegrityError:
        first = IdempotencyKey.objects.get(staff=actor.staff, key=key)
        if first.fingerprint != fingerprint:
            raise Invalid.field(
                "Idempotency-Key", "was already used with a different request body"
            ) from None
        if first.status_code is None:
            raise IdempotencyConflict(
                "a request with this Idempotency-Key is still being processed"
            ) from None
        stored = first.response
        if response is not None and isinstance(stored, dict) and "version" in stored:
            response["ETag"] = etag(int(stored["version"]))
        return Reply(first.status_code, stored)
    try:
        reply = run()
    except BaseException:
        # The create failed and changed nothing: free the key for a corrected retry.
        IdempotencyKey.objects.filter(pk=record.pk).delete()
        raise
    IdempotencyKey.objects.filter(pk=record.pk).update(
        status_code=reply.status_code, response=reply.value.model_dump(mode="json")
    )
    return reply
