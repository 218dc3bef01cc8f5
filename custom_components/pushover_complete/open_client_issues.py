"""Repair issues of an Open Client: its session ended, or its backlog is too large.

Both name the device and carry the entry and subentry ids. The session issue
is fixable (:mod:`.repairs` logs the device in again); the backlog issue says
what to do. Either goes away once the device's push connection is up again.
"""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

SESSION_ISSUE: Final = "open_client_session_ended"
BACKLOG_ISSUE: Final = "open_client_backlog_too_large"
_ISSUES: Final = (SESSION_ISSUE, BACKLOG_ISSUE)


def session_issue_id(entry_id: str, subentry_id: str) -> str:
    """Return the id of an Open Client's "log in again" repair issue."""
    return f"{SESSION_ISSUE}_{entry_id}_{subentry_id}"


def backlog_issue_id(entry_id: str, subentry_id: str) -> str:
    """Return the id of an Open Client's "too many messages waiting" issue."""
    return f"{BACKLOG_ISSUE}_{entry_id}_{subentry_id}"


@callback
def async_session_ended_issue(
    hass: HomeAssistant, *, entry_id: str, subentry_id: str, name: str
) -> None:
    """Ask the user to log the Open Client ``name`` in again (a fix flow does it)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        session_issue_id(entry_id, subentry_id),
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key=SESSION_ISSUE,
        translation_placeholders={"name": name},
        data={"entry_id": entry_id, "subentry_id": subentry_id},
    )


@callback
def async_backlog_issue(
    hass: HomeAssistant, *, entry_id: str, subentry_id: str, name: str, size: str
) -> None:
    """Say that more messages wait for ``name`` than one download holds (``size`` MB)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        backlog_issue_id(entry_id, subentry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=BACKLOG_ISSUE,
        translation_placeholders={"name": name, "size": size},
        data={"entry_id": entry_id, "subentry_id": subentry_id},
    )


@callback
def async_delete_open_client_issues(
    hass: HomeAssistant, entry_id: str, *, subentry_id: str
) -> None:
    """Close an Open Client's issues: it is connected again."""
    for issue in _ISSUES:
        ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry_id}_{subentry_id}")


@callback
def async_forget_removed_open_clients(
    hass: HomeAssistant, entry_id: str, *, subentry_ids: set[str]
) -> None:
    """Close the issues of the entry's Open Clients that are no longer configured."""
    wanted = {
        f"{issue}_{entry_id}_{subentry_id}"
        for issue in _ISSUES
        for subentry_id in subentry_ids
    }
    prefixes = tuple(f"{issue}_{entry_id}_" for issue in _ISSUES)
    for domain, issue_id in list(ir.async_get(hass).issues):
        if (
            domain == DOMAIN
            and issue_id.startswith(prefixes)
            and issue_id not in wanted
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
