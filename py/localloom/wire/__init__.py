"""The protocols LocalLoom speaks: OpenAI-compatible HTTP/SSE, Chrome built-in AI (pure)."""
