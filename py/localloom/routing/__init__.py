"""Which engine runs a task, and falling back when one fails (pure)."""
