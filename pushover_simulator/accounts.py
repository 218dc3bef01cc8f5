"""Accounts, apps, users and groups of the state: registration, quota, credits, sounds.

Also the switch for a user Pushover now refuses (`disable_user`): the /1/ API then
answers for that key exactly as for an unknown one, while other users still work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping

from .model import (
    BUILTIN_SOUNDS,
    Account,
    App,
    Group,
    GroupMember,
    User,
    next_quota_reset,
)


class _LicenseCredits(MutableMapping[str, int]):
    """A write-through view of every account's license credits."""

    def __init__(self, sim: AccountsMixin) -> None:
        self._sim = sim

    def __getitem__(self, account: str) -> int:
        if account not in self._sim.accounts:
            raise KeyError(account)
        return self._sim.accounts[account].license_credits

    def __setitem__(self, account: str, credits: int) -> None:
        self._sim.set_license_credits(credits, account)

    def __delitem__(self, account: str) -> None:
        raise TypeError("accounts cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return iter(self._sim.accounts)

    def __len__(self) -> int:
        return len(self._sim.accounts)


class AccountsMixin:
    """Who sends and who receives (part of `SimulatorState`)."""

    clock: Callable[[], float]
    accounts: dict[str, Account]
    apps: dict[str, App]
    users: dict[str, User]
    groups: dict[str, Group]
    subscriptions: dict[str, str]

    def account(self, name: str) -> Account:
        """Return the named account, created on first use, its quota rolled over if due."""
        acc = self.accounts.get(name)
        if acc is None:
            acc = self.accounts[name] = Account(
                name, reset=next_quota_reset(self.clock())
            )
        if self.clock() >= acc.reset:
            acc.remaining = acc.limit
            acc.reset = next_quota_reset(self.clock())
        return acc

    def add_app(
        self, token: str, account: str = "default", name: str = "Simulator"
    ) -> App:
        """Register an application token owned by `account`."""
        self.account(account)
        app = self.apps[token] = App(token, account, name)
        return app

    def add_user(
        self,
        key: str,
        devices: list[str] | tuple[str, ...] = ("phone",),
        licenses: list[str] | tuple[str, ...] = ("Android",),
        account: str = "default",
    ) -> User:
        """Register a user key with its devices and licenses."""
        user = self.users[key] = User(key, list(devices), list(licenses), account)
        return user

    def disable_user(self, key: str) -> User:
        """Make Pushover refuse the user key from now on (KeyError if unknown).

        Sends to it (alone or in a list) answer 400 with the real invalid-user body,
        `users/validate.json` says the key is invalid, glances and group additions
        refuse it, and a group delivers to its other members only.
        """
        user = self.users[key]
        user.disabled = True
        return user

    def enable_user(self, key: str) -> User:
        """Accept a disabled user key again (KeyError if unknown)."""
        user = self.users[key]
        user.disabled = False
        return user

    def active_user(self, key: str) -> User | None:
        """Return the user of `key` if Pushover accepts it (known and not disabled)."""
        user = self.users.get(key)
        return None if user is None or user.disabled else user

    def add_group(
        self,
        key: str,
        name: str,
        members: list[str | GroupMember] | tuple[str | GroupMember, ...] = (),
        owner_account: str = "default",
    ) -> Group:
        """Register a delivery group; members are user keys or `GroupMember`s."""
        group = self.groups[key] = Group(
            key,
            name,
            owner_account,
            [m if isinstance(m, GroupMember) else GroupMember(m) for m in members],
        )
        return group

    def add_subscription(self, code: str, account: str = "default") -> None:
        """Register a subscription code owned by `account`."""
        self.subscriptions[code] = account

    def _account_name(self, token_or_account: str) -> str:
        app = self.apps.get(token_or_account)
        return app.account if app else token_or_account

    def add_sound(self, token_or_account: str, sound_id: str, name: str) -> None:
        """Add a custom sound to the account (given directly or by an app token)."""
        self.account(self._account_name(token_or_account)).sounds[sound_id] = name

    def sounds(self, token: str) -> dict[str, str]:
        """Built-in plus the owning account's custom sounds."""
        return {**BUILTIN_SOUNDS, **self.account(self.apps[token].account).sounds}

    def set_quota(
        self,
        limit: int,
        remaining: int | None = None,
        reset: int | None = None,
        account: str = "default",
    ) -> None:
        """Set an account's monthly limit, remaining messages and reset time."""
        acc = self.account(self._account_name(account))
        acc.limit = limit
        acc.remaining = limit if remaining is None else remaining
        if reset is not None:
            acc.reset = reset

    def set_license_credits(self, credits: int, account: str = "default") -> None:
        """Set an account's prepaid license credits."""
        self.account(self._account_name(account)).license_credits = credits

    @property
    def license_credits(self) -> MutableMapping[str, int]:
        """License credits per account, writable: `sim.license_credits["default"] = 0`."""
        return _LicenseCredits(self)
