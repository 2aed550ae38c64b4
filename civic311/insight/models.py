"""insight models."""
