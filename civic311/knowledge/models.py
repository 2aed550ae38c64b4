"""knowledge models."""
