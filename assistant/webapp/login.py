"""Who may log in: the ``ASSISTANT_AUTH`` logins, checked in constant time, with repeated failures slowed.

Gradio calls ``Logins(user, password)`` from its ``/login`` route (``launch(auth=callable)``), which passes
neither the client's address nor a way to wait without blocking the server, so failures are counted per
user name and a locked-out name is refused at once (even with the right password) until its delay is over.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import SettingsError

AUTH_ENV = "ASSISTANT_AUTH"
FREE_FAILURES = 5  # wrong passwords allowed per user name within WINDOW_S before each try is delayed
WINDOW_S = 60.0
FIRST_DELAY_S = 2.0  # the first lock-out; each further failure doubles it, up to MAX_DELAY_S
MAX_DELAY_S = 300.0
_FORGET_OVER = 10_000  # user names tracked before stale ones are dropped


def auth_from_env(environ: Mapping[str, str] = os.environ) -> Logins | None:
    """Logins from ``ASSISTANT_AUTH="alice:secret,bob:other"``; None (no login) only when unset or empty.

    A value that is set but holds no login (white space) or a malformed entry raises SettingsError: a typo
    must never serve the app without a login.
    """
    raw = environ.get(AUTH_ENV)
    if raw is None or raw == "":
        return None
    form = "'user:password[,user2:password2]'"
    if not raw.strip():
        raise SettingsError(f"{AUTH_ENV} is set but blank; unset it to serve without a login, or give {form}")
    logins: dict[str, str] = {}
    for number, entry in enumerate(raw.split(","), start=1):
        user, sep, password = entry.strip().partition(":")
        if not sep or not user.strip() or not password.strip():
            raise SettingsError(f"{AUTH_ENV} entry {number} must look like {form} with a user name and a password")
        if user in logins:
            raise SettingsError(f"{AUTH_ENV} names the user {user!r} twice")
        logins[user] = password
    return Logins(logins)


@dataclass
class _Failures:
    times: list[float] = field(default_factory=list)  # failures within the window
    locked_until: float = 0.0


class Logins:
    """The ``auth`` callable for ``gr.Blocks.launch``: True for a right password that is not locked out.

    After ``FREE_FAILURES`` wrong passwords for one user name within ``WINDOW_S``, every further try is
    refused for a delay that doubles with each failure (``FIRST_DELAY_S`` up to ``MAX_DELAY_S``); a success
    clears the name's count. ``clock`` is injectable so tests never sleep.
    """

    def __init__(self, logins: Mapping[str, str], clock: Callable[[], float] = time.monotonic) -> None:
        self._logins = {user: password.encode() for user, password in logins.items()}
        self._clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def __call__(self, user: str, password: str) -> bool:
        now = self._clock()
        with self._lock:
            record = self._failures.setdefault(user, _Failures())
            if now < record.locked_until:
                return False
            # An unknown name is compared against a dummy so its answer takes as long as a known one's.
            expected = self._logins.get(user, b"\0" * 16)
            if hmac.compare_digest(password.encode("utf-8", "surrogatepass"), expected) and user in self._logins:
                del self._failures[user]
                return True
            record.times = [t for t in record.times if now - t < WINDOW_S] + [now]
            over = len(record.times) - FREE_FAILURES
            if over > 0:
                record.locked_until = now + min(FIRST_DELAY_S * 2 ** (over - 1), MAX_DELAY_S)
            if len(self._failures) > _FORGET_OVER:
                self._forget_stale(now)
            return False

    def _forget_stale(self, now: float) -> None:
        """Drop names with no recent failure, so a flood of made-up names cannot grow memory without end."""
        stale = [u for u, r in self._failures.items() if now >= r.locked_until and all(now - t >= WINDOW_S for t in r.times)]
        for user in stale:
            del self._failures[user]

    def wait_s(self, user: str) -> float:
        """Seconds until ``user`` may try again (0 when not locked out)."""
        record = self._failures.get(user)
        return max(0.0, record.locked_until - self._clock()) if record else 0.0
