"""Neighborhood insight: early-warning statistics (scan statistics, per-series alarms, emerging hot spots).

The modules here are pure numpy/scipy functions over arrays of counts; the Django side
(rollups, alerts, pages) is built on top of them and is not imported here.
"""
