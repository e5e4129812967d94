"""Post-deploy verification: how long to watch a fault (from its own rate), what the monitors
saw before and after the deploy, the verdict, and the before/after chart on the ticket."""
