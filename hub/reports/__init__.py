"""Reports: takings, revenue, usage, members and staff over any range of days, from per-day rollups."""
