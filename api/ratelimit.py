"""Rate limits per client address on the log-in and token endpoints (``limits``).

A password-guessing or token-flooding client is slowed down before any password is hashed.
This complements the per-account throttling of failed log-ins (``api.services.auth``): that one
protects an account from many addresses, this one the service from one address. The counters live
in ``TSUNAGU_RATE_LIMIT_STORAGE`` (in memory per process by default; ``redis://…`` to share them
between instances behind a load balancer).
"""

import math
import time
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.errors import AppError


class TokenRateLimit:
    def __init__(self, rate: str, storage_uri: str) -> None:
        self.item: RateLimitItem = parse(rate)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def hit(self, client: str) -> None:
        if self.limiter.hit(self.item, "token", client):
            return
        reset, _ = self.limiter.get_window_stats(self.item, "token", client)
        retry_after = max(1, math.ceil(reset - time.time()))
        raise AppError(
            "too-many-requests",
            f"短時間に多くの要求がありました。{retry_after}秒ほど待ってからやり直してください。",
            f"Too many requests from this address; retry in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
            oauth_error="slow_down",
        )


def limit_token_requests(request: Request) -> None:
    limiter: TokenRateLimit = request.app.state.token_rate_limit
    limiter.hit(request.client.host if request.client else "unknown")


TokenRateLimited = Annotated[None, Depends(limit_token_requests)]
