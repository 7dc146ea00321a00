"""One adapter per engine behind ``localloom.engine.Engine``; JS errors are mapped here."""
