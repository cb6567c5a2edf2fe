"""Exports of every list and report: typed row sources written as CSV, XLSX or PDF by background jobs."""
