"""The customer's lock screen (``icafe agent-ui``, extra ``icafe[agent-ui]``): PySide6 widgets drawn from
the state the agent pushes over its local link (``edge_agent.link_models``)."""
