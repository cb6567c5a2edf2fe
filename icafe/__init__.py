"""The ``icafe`` command: the composition root that wires hub, agent, provisioning and the local stack."""
