"""analyze stage (filled in by its developer)."""
