"""Who may call what: Home Assistant's user permissions applied to our actions.

Automations and scripts run without a user and may do anything. A person
needs an administrator for the account actions and for raw user keys,
control of the notify entities they send through (as ``notify.send_message``
asks) and of the entry's event entity to cancel or acknowledge, and read
access to a camera or image they attach.
"""

from __future__ import annotations

from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import Unauthorized, UnknownUser

from .data import PushoverCompleteConfigEntry
from .entity import async_emergency_event_id


async def async_caller(hass: HomeAssistant, call: ServiceCall) -> User | None:
    """Return the person behind a call; ``None`` for automations and scripts."""
    if call.context.user_id is None:
        return None
    user = await hass.auth.async_get_user(call.context.user_id)
    if user is None:
        raise UnknownUser(context=call.context, user_id=call.context.user_id)
    return user


def require_admin(user: User | None, call: ServiceCall) -> None:
    """Refuse a person who is not an administrator."""
    if user is not None and not user.is_admin:
        raise Unauthorized(context=call.context, user_id=user.id)


def require_entity(
    user: User | None, call: ServiceCall, entity_id: str, policy: str
) -> None:
    """Refuse a person without ``policy`` (read or control) on an entity."""
    if user is not None and not user.permissions.check_entity(entity_id, policy):
        raise Unauthorized(
            context=call.context,
            user_id=user.id,
            entity_id=entity_id,
            permission=policy,
        )


def require_control(user: User | None, call: ServiceCall, entity_id: str) -> None:
    """Refuse a person who may not control ``entity_id``."""
    require_entity(user, call, entity_id, POLICY_CONTROL)


def require_read(user: User | None, call: ServiceCall, entity_id: str) -> None:
    """Refuse a person who may not read ``entity_id``."""
    require_entity(user, call, entity_id, POLICY_READ)


def require_event_control(
    hass: HomeAssistant,
    user: User | None,
    call: ServiceCall,
    entry: PushoverCompleteConfigEntry,
) -> None:
    """Refuse a person who may not control the entry's emergency event entity."""
    if user is None:
        return
    entity_id = async_emergency_event_id(hass, entry.entry_id)
    if entity_id is None:
        require_admin(user, call)
        return
    require_control(user, call, entity_id)
