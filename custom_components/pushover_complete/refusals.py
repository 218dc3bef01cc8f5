"""What a refusal by Pushover means for an entry beyond the call that met it.

A rejected token starts reauth and stops every repeated request of the entry
(receipt polls, outbox retries, owed cancels) until the token is replaced:
Pushover blocks addresses that repeat refused requests. The entry reloads
with the new token, and with it a new guard. An exhausted quota opens the
one repair issue of the account's pooled quota (naming every application
that hit it); an application comes off it as soon as Pushover takes one of
its messages again.
"""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api import BadAPIRequestError, PushoverAuthError, PushoverQuotaError
from .const import DOMAIN
from .data import PushoverCompleteConfigEntry
from .exceptions import reset_time

QUOTA_ISSUE: Final = "quota_exceeded"
# The issue's data: the applications (entry id → title), and this key.
RESET_KEY: Final = "reset"


class RefusalGuard:
    """Act on Pushover's refusals for one entry, and tell whether to go on."""

    def __init__(self, hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> None:
        """Start with a token nobody has rejected yet."""
        self.hass = hass
        self.entry = entry
        # The refusal of the token, kept until reauth reloads the entry.
        self.rejection: PushoverAuthError | None = None
        # Whether this application may be on the quota issue (looked up once).
        self._on_quota_issue = entry.entry_id in _quota_applications(hass)

    @property
    def token_rejected(self) -> bool:
        """Tell whether Pushover rejected the token (requests wait for reauth)."""
        return self.rejection is not None

    @callback
    def async_refused(self, err: BadAPIRequestError) -> None:
        """Act on a refusal: reauth for a rejected token, a repair issue for the quota."""
        if isinstance(err, PushoverAuthError):
            self.rejection = err
            self.entry.async_start_reauth(self.hass)
        elif isinstance(err, PushoverQuotaError):
            applications = _quota_applications(self.hass)
            applications[self.entry.entry_id] = self.entry.title
            self._on_quota_issue = True
            _async_quota_issue(self.hass, applications, err.reset or None)

    @callback
    def async_accepted(self) -> None:
        """Take the application off the quota issue: Pushover took a message."""
        if not self._on_quota_issue:  # every send passes here
            return
        self._on_quota_issue = False
        applications = _quota_applications(self.hass)
        if applications.pop(self.entry.entry_id, None) is None:
            return
        if not applications:
            ir.async_delete_issue(self.hass, DOMAIN, QUOTA_ISSUE)
            return
        _async_quota_issue(self.hass, applications, _quota_reset(self.hass))


def _issue_data(hass: HomeAssistant) -> dict[str, str | int | float | None]:
    issue = ir.async_get(hass).async_get_issue(DOMAIN, QUOTA_ISSUE)
    return dict(issue.data or {}) if issue is not None else {}


def _quota_applications(hass: HomeAssistant) -> dict[str, str]:
    """Return the applications (entry id → title) the quota issue names."""
    return {
        str(key): str(value)
        for key, value in _issue_data(hass).items()
        if key != RESET_KEY
    }


def _quota_reset(hass: HomeAssistant) -> int | None:
    """Return when the quota resets, as the open issue knows it."""
    reset = _issue_data(hass).get(RESET_KEY)
    return int(reset) if isinstance(reset, int | float) else None


def _async_quota_issue(
    hass: HomeAssistant, applications: dict[str, str], reset: int | None
) -> None:
    """Open (or update) the one quota issue: the quota is the account's, shared."""
    name = ", ".join(sorted(applications.values()))
    data: dict[str, str | int | float | None] = {**applications, RESET_KEY: reset}
    if reset:
        ir.async_create_issue(
            hass,
            DOMAIN,
            QUOTA_ISSUE,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="quota_exceeded",
            translation_placeholders={"name": name, "reset": reset_time(reset)},
            data=data,
        )
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        QUOTA_ISSUE,
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="quota_exceeded_next_month",
        translation_placeholders={"name": name},
        data=data,
    )
