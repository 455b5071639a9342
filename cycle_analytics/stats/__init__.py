"""Statistics over a tidy Survey: count tables, scores, drivers, critical moments, priorities."""
