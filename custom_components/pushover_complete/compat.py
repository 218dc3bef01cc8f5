"""Differences between the Home Assistant versions this integration supports.

Each shim says which version needs it. The day Home Assistant 2025.4 is no
longer supported, every shim marked "2025.4" goes and its users take the
newer name; the one marked "2026" (schema types) goes once every supported
version types schemas the same way.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Final, cast

from homeassistant import config_entries
from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined, unused-ignore]  # 2026: not re-exported
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.components.notify import (  # type: ignore[attr-defined, unused-ignore]  # 2025.4: not in notify's __all__
    NotifyEntity,
    NotifyEntityFeature,
)
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import service as service_helper

try:
    from homeassistant.components.repairs import (  # type: ignore[attr-defined, unused-ignore]  # 2025.4: not there
        RepairsFlowResult,
    )
except ImportError:  # 2025.4 types repair flows with FlowResult, the same shape
    from homeassistant.data_entry_flow import (  # type: ignore[assignment, unused-ignore]  # 2025.4
        FlowResult as RepairsFlowResult,
    )

__all__ = [
    "OPTIONS_FLOW_RELOADS",
    "BinarySensorDeviceClass",
    "BinarySensorEntity",
    "NotifyEntity",
    "NotifyEntityFeature",
    "ReloadingOptionsFlow",
    "RepairsFlowResult",
    "as_schema",
    "async_extract_entity_ids",
    "set_last_notified",
]


def as_schema(value: Any) -> Any:
    """Hand over a voluptuous schema where Home Assistant types it (2026).

    Home Assistant 2026 types the schemas of forms and actions as probatio's
    (it aliases voluptuous to probatio at runtime); 2025.4 as voluptuous's.
    The same object works on both; only the type differs.
    """
    return value


def set_last_notified(entity: Any, isoformat: str) -> None:
    """Set a notify entity's state (the time it last sent) without writing it.

    Both versions keep the time in ``NotifyEntity``'s private
    ``__last_notified_isoformat`` behind the cached ``state`` property; 2026
    has a method that also writes the state at once, 2025.4 has none.
    """
    entity.__dict__.pop("state", None)
    entity._NotifyEntity__last_notified_isoformat = isoformat


# 2025.4: the helper takes (hass, call); later versions take (call).
_EXTRACT: Any = service_helper.async_extract_entity_ids
_EXTRACT_TAKES_HASS = "hass" in inspect.signature(_EXTRACT).parameters


async def async_extract_entity_ids(hass: HomeAssistant, call: ServiceCall) -> set[str]:
    """Return the entity ids a call targets (areas, devices, labels expanded)."""
    if _EXTRACT_TAKES_HASS:
        return cast(set[str], await _EXTRACT(hass, call))
    return cast(set[str], await _EXTRACT(call))


# 2025.4: an options flow does not reload its entry by itself (2025.8's
# OptionsFlowWithReload does); an update listener does it there. Later
# versions refuse an update listener beside OptionsFlowWithReload.
OPTIONS_FLOW_RELOADS: Final = hasattr(config_entries, "OptionsFlowWithReload")
if TYPE_CHECKING:
    ReloadingOptionsFlow = config_entries.OptionsFlow
else:
    ReloadingOptionsFlow = getattr(
        config_entries, "OptionsFlowWithReload", config_entries.OptionsFlow
    )
