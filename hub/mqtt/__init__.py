"""The MQTT side of the hub: one module per topic family, dispatched by the bridge."""
