"""report stage (filled in by its developer)."""
