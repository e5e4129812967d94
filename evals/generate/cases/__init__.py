"""Case specs, one module per service family."""
