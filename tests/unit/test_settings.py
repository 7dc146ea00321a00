"""Settings: what is usable, the Preferences the router gets, masking, tolerant loading."""

from __future__ import annotations

import pytest

from localloom.settings import ProviderSettings, Settings


def test_defaults_are_private_no_cloud_no_downloads():
    prefs = Settings().preferences()
    assert prefs.cloud_providers == () and not prefs.allow_downloads
    assert prefs.preferred_engine is None


def test_only_enabled_providers_with_a_key_or_url_reach_the_router():
    s = Settings()
    s.set_provider(ProviderSettings("groq", key="gsk_0123456789abcdef", enabled=True))
    s.set_provider(ProviderSettings("together", key="", enabled=True))  # no key
    s.set_provider(ProviderSettings("openrouter", key="sk-or-0123456789", enabled=False))
    s.set_provider(ProviderSettings("custom", base_url="http://127.0.0.1:9/v1", enabled=True))
    prefs = s.preferences()
    assert prefs.cloud_providers == ("groq", "custom")
    assert prefs.custom_base_url == "http://127.0.0.1:9/v1"


def test_keys_are_masked_in_the_description():
    s = Settings()
    s.set_provider(ProviderSettings("groq", key="gsk_0123456789abcdef", enabled=True))
    (line,) = s.describe_providers()
    assert "0123456789" not in line and line.endswith("cdef, enabled")


def test_unknown_provider_is_refused():
    with pytest.raises(ValueError):
        Settings().set_provider(ProviderSettings("evil", key="x"))


def test_round_trip_and_tolerant_loading():
    s = Settings(on_device_only=True, allow_downloads=True, preferred_engine="chrome")
    s.set_provider(ProviderSettings("hf", key="hf_0123456789abcd", model="m", enabled=True))
    assert Settings.from_dict(s.to_dict()) == s
    assert Settings.from_dict(None) == Settings()
    odd = Settings.from_dict({"preferred_engine": "nope", "providers": {"evil": {}, "hf": 3}})
    assert odd.preferred_engine == "" and odd.providers == {}


def test_remove_provider():
    s = Settings()
    s.set_provider(ProviderSettings("groq", key="gsk_0123456789abcdef", enabled=True))
    s.remove_provider("groq")
    s.remove_provider("groq")
    assert s.preferences().cloud_providers == ()
