"""BrowserStore: the form and the settings survive as JSON in localStorage; failures are soft."""

from __future__ import annotations

from localloom.browser.storage import PREFIX, BrowserStore, MemoryKeyValue


class FullStorage(MemoryKeyValue):
    """localStorage when the quota is exhausted: every write throws."""

    def set(self, key: str, value: str) -> None:
        raise RuntimeError("QuotaExceededError")


class BlockedStorage(MemoryKeyValue):
    """localStorage when site data is blocked: every read throws."""

    def get(self, key: str) -> str | None:
        raise RuntimeError("SecurityError")


def test_the_form_is_kept_as_strings():
    """The form comes back as saved, every value a string; nothing saved reads as empty."""
    kv = MemoryKeyValue()
    store = BrowserStore(kv)
    assert store.form() == {}
    assert store.save_form({"topic": "Fracciones", "size": "tiny"})
    assert PREFIX + "form" in kv.data
    assert store.form() == {"topic": "Fracciones", "size": "tiny"}
    kv.set(PREFIX + "form", '{"topic": 3}')
    assert store.form() == {"topic": "3"}
    kv.set(PREFIX + "form", "[1, 2]")
    assert store.form() == {}


def test_an_unreadable_or_too_deep_form_reads_as_empty():
    """Broken JSON or JSON nested past Python's recursion limit never stops the boot."""
    kv = MemoryKeyValue()
    kv.set(PREFIX + "form", "{not json")
    assert BrowserStore(kv).form() == {}
    kv.set(PREFIX + "form", "[" * 100_000 + "]" * 100_000)
    assert BrowserStore(kv).form() == {}


def test_blocked_storage_reads_as_empty():
    store = BrowserStore(BlockedStorage())
    assert store.form() == {}
    assert store.settings() is None


def test_full_storage_says_not_saved():
    """A write that fails returns False, for the page to say "not saved"."""
    store = BrowserStore(FullStorage())
    assert store.save_form({"topic": "x"}) is False
    assert store.save_settings({"seed": 1}) is False


def test_settings_come_back_as_saved_even_when_unreadable():
    """Settings that are not JSON come back as their raw text, for Settings.from_dict to
    report ("all settings" reset) instead of silently booting with defaults."""
    kv = MemoryKeyValue()
    store = BrowserStore(kv)
    assert store.settings() is None
    assert store.save_settings({"on_device_only": True})
    assert store.settings() == {"on_device_only": True}
    kv.set(PREFIX + "settings", "{broken")
    assert store.settings() == "{broken"
