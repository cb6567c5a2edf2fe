"""``POST /api/v1/auth/login``: staff username and password for a short-lived access token."""

from __future__ import annotations

import asyncio
import time

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from hub.api.bodies import parse_body
from hub.api.guard import public
from hub.auth.passwords import verify_password
from hub.errors import ApiError

bp = Blueprint("auth", url_prefix="/auth")


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


@bp.post("/login")
@openapi.definition(
    summary="Log in as a staff user", body={"application/json": LoginRequest.model_json_schema()}, tag="auth"
)
@public
async def login(request: Request) -> HTTPResponse:
    body = parse_body(request, LoginRequest)
    ctx = request.app.ctx
    user = await ctx.store.users.by_username(body.username)
    # Hashing runs even for an unknown user, so timing does not reveal which usernames exist;
    # in a thread, because argon2 is deliberately slow and would stall the event loop.
    valid = await asyncio.to_thread(verify_password, user.password_hash if user else None, body.password)
    if user is None or not valid or user.disabled:
        raise ApiError(401, "invalid_credentials", "wrong username or password")
    token, _ = ctx.tokens.issue(user.id, user.username, user.role, int(time.time()))
    return json(
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ctx.tokens.ttl_s,
            "user": {"id": user.id, "username": user.username, "role": user.role},
        }
    )
