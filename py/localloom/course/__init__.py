"""The course: its schema, parsing, prompts, generator and quality gates (pure)."""
