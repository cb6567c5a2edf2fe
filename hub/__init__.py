"""The central service: REST API and WebSocket, the MQTT bridge to agents, MongoDB and Redis."""
