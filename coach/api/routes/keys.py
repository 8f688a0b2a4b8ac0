"""The calling API key itself: what it is, and deleting it with everything it owns."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from coach import store
from coach.api.deps import DbDep, KeyCaller

router = APIRouter(prefix="/v1/keys", tags=["keys"])


@router.get("/current", response_model=store.ApiKey, summary="The key making this request (never the key itself)")
def current(caller: KeyCaller) -> store.ApiKey:
    assert caller.key is not None
    return caller.key


@router.delete("/current", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete the key making this request and every set it saved (cannot be undone)")
def delete_current(caller: KeyCaller, db: DbDep) -> Response:
    store.delete_key(db, caller.owner)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
