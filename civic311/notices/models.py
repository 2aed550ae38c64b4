"""notices models."""
