"""Local token validation for every service in the process: decrypt once, then a cache hit.

A cache entry is reused while the authz view's generation is unchanged and the token has
neither expired nor been revoked; any identity write bumps the generation, so grants and
revocations apply on the next request. No database query, no call to identity.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from pocketstack.common.auth import AuthInfo, InvalidToken
from pocketstack.identity.authz import AuthzView, ResolvedToken
from pocketstack.identity.tokens.payload import TokenCodec

__all__ = ["LocalTokenValidator"]


class LocalTokenValidator:
    def __init__(self, codec: TokenCodec, view: AuthzView, *, cache_size: int = 10000) -> None:
        self.codec = codec
        self.view = view
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[int, AuthInfo]] = OrderedDict()

    def resolve(self, token: str, *, allow_expired_for: float = 0.0) -> ResolvedToken:
        """The full resolution (for identity's own token documents)."""
        payload = self.codec.decode(token)
        return self.view.snapshot.resolve(payload, time.time() - allow_expired_for)

    async def validate(self, token: str) -> AuthInfo:
        snapshot = self.view.snapshot
        cached = self._cache.get(token)
        if cached is not None and cached[0] == snapshot.generation:
            info = cached[1]
            if info.expires_at > time.time():
                return info
            del self._cache[token]
            raise InvalidToken("token expired")
        info = snapshot.resolve(self.codec.decode(token), time.time()).auth_info()
        self._cache[token] = (snapshot.generation, info)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return info
