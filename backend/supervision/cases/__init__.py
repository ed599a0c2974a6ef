"""Case timeliness (两超期两随意): cases imported from the case-handling system, flags and warnings."""
