"""Cross-cutting security services: field encryption, rate limits, network allow-list, response headers,
and the tamper-evident audit log."""
