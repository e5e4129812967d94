"""Case specs, one module per service family (base code) and per group of cases."""
