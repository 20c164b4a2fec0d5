"""reconcile stage (filled in by its developer)."""
