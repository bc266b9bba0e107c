"""Pushpin's publish filters, by their exact names, and the meta each one reads.

A subscription names its filters (`ws.subscribe(channel, filters=[...])`,
`Channel(name, filters=[...])`); each published item is then checked or rewritten per subscriber,
from two kinds of meta:

- subscriber meta: set per connection with `ws.set_meta(name, value)` (WebSocket, the
  `set-meta` control) or `GripInstruct.set_meta` (HTTP, `Grip-Set-Meta`). It is not the
  connection meta of `ws.meta` (Set-Meta-* headers), which only comes back to the backend.
- publish meta: `Item(meta=...)`, or the shortcuts `sender=`, `skip_users=`, `require_sub=`.

| filter        | drops or rewrites                      | subscriber meta        | publish meta  |
|---------------|----------------------------------------|------------------------|---------------|
| `skip-self`   | drops it for the subscriber who sent it | `user`                 | `sender`      |
| `skip-users`  | drops it for the users listed          | `user`                 | `skip_users`  |
| `require-sub` | drops it unless the HTTP session also holds that channel | —   | `require_sub` |
| `build-id`    | fills `%I` in the content with an id built from the channels' last ids | `id_format`, `id_encoding` | — |
| `var-subst`   | fills `%(name)s` in the content with subscriber meta `name` | any | — |

Read from Pushpin's source (src/handler/filter.cpp, 1.36 to 1.41). `require-sub` and `build-id`
look at the channels of an HTTP session: a WebSocket subscription has none, so there
`require-sub` drops every item that names a channel and `build-id` knows no id.
"""

from __future__ import annotations

from collections.abc import Iterable

SKIP_SELF = "skip-self"
SKIP_USERS = "skip-users"
REQUIRE_SUB = "require-sub"
BUILD_ID = "build-id"
VAR_SUBST = "var-subst"

# Every filter Pushpin 1.x knows; v2 builds add http-check and http-modify.
FILTERS = (SKIP_SELF, SKIP_USERS, REQUIRE_SUB, BUILD_ID, VAR_SUBST, "http-check", "http-modify")
_MISSPELLED = {"var-sub": VAR_SUBST, "skip_self": SKIP_SELF, "skip_users": SKIP_USERS}

# The meta names the filters read.
USER = "user"  # subscriber: who this subscriber is (skip-self, skip-users)
SENDER = "sender"  # publish: who sent the item (skip-self)
SKIP_USERS_META = "skip_users"  # publish: comma-separated users not to deliver to
REQUIRE_SUB_META = "require_sub"  # publish: a channel the HTTP session must also hold
ID_FORMAT = "id_format"  # subscriber: how build-id renders the id, e.g. "%(news)s"
ID_ENCODING = "id_encoding"  # subscriber: "hex" to hex-encode it


def check_filter(name: str) -> str:
    """Return `name` if Pushpin knows a filter by that name, else raise ValueError."""
    if name in FILTERS:
        return name
    hint = _MISSPELLED.get(name)
    known = ", ".join(FILTERS[:5])
    raise ValueError(
        f"unknown filter {name!r}"
        + (f": did you mean {hint!r}?" if hint else f"; Pushpin's filters are {known}")
    )


def publish_meta(
    sender: str | None = None,
    skip_users: Iterable[str] | None = None,
    require_sub: str | None = None,
) -> dict[str, str]:
    """The publish meta the delivery filters read (None and empty arguments are left out)."""
    meta: dict[str, str] = {}
    if sender is not None:
        meta[SENDER] = _meta_value(sender, "sender")
    if skip_users is not None:
        users = [skip_users] if isinstance(skip_users, str) else list(skip_users)
        for user in users:
            if not isinstance(user, str) or not user.strip() or "," in user:
                raise ValueError(
                    f"skip_users entries must be non-empty names without ',': {user!r}"
                )
        if users:
            meta[SKIP_USERS_META] = ",".join(users)
    if require_sub is not None:
        meta[REQUIRE_SUB_META] = _meta_value(require_sub, "require_sub")
    return meta


def _meta_value(value: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, not {value!r}")
    return value
