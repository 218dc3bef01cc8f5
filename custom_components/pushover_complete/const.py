"""Constants for Pushover Complete."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "pushover_complete"
LOGGER = logging.getLogger(__package__)

# Set by developers only (scripts/develop, tests): talk to a Pushover simulator.
ENV_API_URL: Final = "PUSHOVER_COMPLETE_API_URL"

CONF_USER_KEY: Final = "user_key"
CONF_RECIPIENT_DEVICES: Final = "devices"
CONF_SOUND: Final = "sound"
CONF_PRIORITY: Final = "priority"
CONF_RETRY: Final = "retry"
CONF_EXPIRE: Final = "expire"
CONF_ENCRYPTION_KEY: Final = "encryption_key"
CONF_CONFIG_ENTRY_ID: Final = "config_entry_id"

SUBENTRY_RECIPIENT: Final = "recipient"
DEFAULT_NAME: Final = "Pushover"
DEFAULT_RETRY: Final = 60
DEFAULT_EXPIRE: Final = 3600
# Select value meaning "send no sound: the user's own default plays".
SOUND_USER_DEFAULT: Final = "user_default"
PRIORITY_DEFAULT: Final = "default"
# Pushover's priorities by the name the forms and the action offer.
PRIORITY_NAMES: Final = {
    "lowest": -2,
    "low": -1,
    "normal": 0,
    "high": 1,
    "emergency": 2,
}

EVENT_ACKNOWLEDGED: Final = f"{DOMAIN}_acknowledged"
EVENT_EXPIRED: Final = f"{DOMAIN}_expired"

SOUNDS_REFRESH: Final = timedelta(days=1)
LIMITS_REFRESH: Final = timedelta(hours=1)

# Open Client: this Home Assistant as a Pushover device on a user's account. The
# subentry type and its data keys are the contract's ("device", "device_id").
SUBENTRY_OPEN_CLIENT: Final = "device"
CONF_OPEN_CLIENT_ID: Final = "device_id"
CONF_SECRET: Final = "secret"
CONF_TWOFA: Final = "twofa"
DEFAULT_OPEN_CLIENT_NAME: Final = "homeassistant"
EVENT_MESSAGE_RECEIVED: Final = f"{DOMAIN}_message_received"
