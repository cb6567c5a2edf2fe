"""The agent on every customer PC: presence, telemetry and remote commands over MQTT with mutual TLS."""

__version__ = "0.1.0"
