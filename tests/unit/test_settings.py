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


@pytest.mark.parametrize("value", ["no", "false", "0", "", 0, 1, None, [], {}])
def test_on_device_only_that_is_not_a_boolean_turns_on_and_is_reported(value):
    """'no' is not truthy: any non-boolean on_device_only is unreadable, reset to the
    privacy-preserving ON (never silently to the cloud), and listed with a notice."""
    s = Settings.from_dict({"on_device_only": value})
    assert s.on_device_only is True
    assert s.unreadable == ["on_device_only"]
    assert "on_device_only" in s.notice() and "On-device only is now ON" in s.notice()


@pytest.mark.parametrize("value", [True, False])
def test_real_booleans_are_read_as_they_are(value):
    """Only real booleans are read; nothing is reported for them."""
    s = Settings.from_dict({"on_device_only": value, "allow_downloads": value,
                            "providers": {"groq": {"key": "gsk_0123456789abcd",
                                                   "enabled": value}}})
    assert (s.on_device_only, s.allow_downloads, s.providers["groq"].enabled) == (value,) * 3
    assert s.unreadable == [] and s.notice() == ""


def test_every_unreadable_entry_is_reset_to_a_safe_default_and_listed():
    """Wrong types everywhere: downloads stay off, a provider stays disabled, unknown entries
    go, and each one is named for the panel's notice."""
    s = Settings.from_dict({
        "allow_downloads": "yes", "preferred_engine": 7,
        "providers": {"groq": {"key": 123, "enabled": "true"}, "evil": {}, "hf": 3,
                      "custom": {"base_url": "http://127.0.0.1:9/v1", "enabled": True}}})
    assert not s.allow_downloads and s.preferred_engine == "" and not s.on_device_only
    assert s.providers["groq"].key == "" and not s.providers["groq"].enabled
    assert s.providers["custom"].usable
    assert s.unreadable == ["allow_downloads", "preferred_engine", "providers.groq.key",
                            "providers.groq.enabled", "providers.evil", "providers.hf"]
    assert "providers.groq.enabled" in s.notice() and "now ON" not in s.notice()


@pytest.mark.parametrize("data", ["garbage", 5, ["x"]])
def test_settings_that_are_not_an_object_are_all_reset_with_privacy_on(data):
    """Unreadable settings as a whole: defaults, On-device only ON, and a notice."""
    s = Settings.from_dict(data)
    assert s.on_device_only and s.providers == {}
    assert s.unreadable == ["all settings"] and "all settings" in s.notice()


def test_unreadable_list_is_not_saved_back():
    """to_dict (what is stored) carries no bookkeeping."""
    s = Settings.from_dict({"on_device_only": "no"})
    assert "unreadable" not in s.to_dict()
    assert Settings.from_dict(s.to_dict()).unreadable == []


def test_a_blank_key_is_kept_only_on_the_same_origin():
    """Saving the custom provider with the key field blank keeps the saved key while the URL
    stays on the same scheme, host and port; another origin drops it and says so."""
    s = Settings()
    s.update_provider("custom", key="local-secret-123", base_url="http://127.0.0.1:8080/v1")
    assert s.update_provider("custom", base_url="http://127.0.0.1:8080/other/v1") == ""
    assert s.providers["custom"].key == "local-secret-123"
    note = s.update_provider("custom", base_url="http://evil.example:8080/v1")
    assert s.providers["custom"].key == ""
    assert "127.0.0.1:8080" in note and "evil.example" in note and "not kept" in note
    assert "local-secret" not in note


@pytest.mark.parametrize("new_url", ["https://127.0.0.1:8080/v1", "http://127.0.0.1:8081/v1",
                                     "http://localhost:8080/v1"])
def test_scheme_port_or_host_changes_drop_the_key(new_url):
    """Each part of the origin counts."""
    s = Settings()
    s.update_provider("custom", key="local-secret-123", base_url="http://127.0.0.1:8080/v1")
    assert s.update_provider("custom", base_url=new_url)
    assert s.providers["custom"].key == ""


def test_a_named_provider_keeps_its_key_and_a_typed_key_replaces_it():
    """Groq without a URL keeps its key on a re-save; a typed key always wins."""
    s = Settings()
    s.update_provider("groq", key="gsk_0123456789abcdef")
    assert s.update_provider("groq", model="llama-3.3-70b-versatile") == ""
    assert s.providers["groq"].key == "gsk_0123456789abcdef"
    s.update_provider("groq", key="gsk_fedcba9876543210")
    assert s.providers["groq"].key == "gsk_fedcba9876543210"


@pytest.mark.parametrize("url", ["http://me:s3cr3t@127.0.0.1:8080/v1",
                                 "http://s3cr3t@127.0.0.1:8080/v1",
                                 "http://127.0.0.1:8080/v1#s3cr3t", "javascript:alert(1)",
                                 "file:///etc/passwd"])
def test_an_unusable_base_url_is_not_saved_and_not_echoed(url):
    """Credentials, fragments and non-http schemes are refused on save; the message never
    repeats the URL."""
    s = Settings()
    with pytest.raises(ValueError, match="Not saved: the base URL") as info:
        s.update_provider("custom", base_url=url)
    assert "s3cr3t" not in str(info.value) and s.providers == {}


def test_a_saved_url_with_credentials_loses_them_and_says_so():
    """Settings saved before the rule: the password is dropped on load, never shown."""
    s = Settings.from_dict({"providers": {"custom": {
        "base_url": "http://me:s3cr3t@127.0.0.1:8080/v1", "enabled": True}}})
    assert s.providers["custom"].base_url == "http://127.0.0.1:8080/v1"
    assert "s3cr3t" not in " ".join([*s.describe_providers(), s.notice()])
    assert "providers.custom.base_url" in s.notice()


def test_a_fixed_seed_is_kept_and_a_bad_one_reset():
    """The seed makes runs reproducible; anything but a whole number in range is reported."""
    assert Settings.from_dict({"seed": 7}).seed == 7
    assert Settings.from_dict(Settings(seed=7).to_dict()).seed == 7
    assert Settings.from_dict({}).seed is None
    for bad in ("7", 7.5, -1, 2**31, True):
        settings = Settings.from_dict({"seed": bad})
        assert settings.seed is None and "seed" in settings.unreadable


def test_webllm_is_a_preferred_engine_the_settings_keep():
    """The select's WebLLM option survives a save and a reload of the settings."""
    kept = Settings.from_dict(Settings(preferred_engine="webllm").to_dict())
    assert kept.preferred_engine == "webllm" and kept.unreadable == []
    assert kept.preferences().preferred_engine == "webllm"


def test_interface_language_is_kept_and_checked():
    """The interface language choice round-trips; a value we do not offer is reset and
    reported, never shown as a broken select."""
    s = Settings.from_dict({"ui_language": "es"})
    assert s.ui_language == "es" and Settings.from_dict(s.to_dict()).ui_language == "es"
    assert Settings.from_dict({}).ui_language == ""
    bad = Settings.from_dict({"ui_language": "klingon"})
    assert bad.ui_language == "" and "ui_language" in bad.unreadable
    assert Settings.from_dict({"ui_language": 3}).unreadable == ["ui_language"]


def test_transformers_js_is_a_preferred_engine_choice():
    """The page's Preferred engine list offers Transformers.js; a saved choice is kept."""
    s = Settings.from_dict({"preferred_engine": "transformers"})
    assert s.preferred_engine == "transformers" and s.unreadable == []
    assert s.preferences().preferred_engine == "transformers"
