"""The user's settings: privacy switch, download consent, preferred engine, cloud providers.

Public names: ``Settings``, ``ProviderSettings``, ``ENGINE_CHOICES``, ``NOT_SAVED``.

Settings live only in this browser (``storage.BrowserStore``). A provider's key is sent only
to that provider (``openai_wire.build_request`` refuses any other host), kept only while the
provider's URL stays on the same origin, and shown masked::

    s = Settings.from_dict(stored)
    s.unreadable                         # e.g. ["on_device_only"]: reset, see notice()
    note = s.update_provider("groq", key="gsk_...", enabled=True)
    s.preferences().cloud_providers      # ("groq",)
    s.describe_providers()               # ["Groq: gsk_…abcd, enabled"]

Loading is strict about types: only real booleans count (``"no"`` is not true), and what
cannot be read is reset to its safe default and listed in ``unreadable``: an unreadable
``on_device_only`` becomes ON, so a damaged value never sends text to the cloud.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from localloom.i18n import LANGUAGES, N_, _
from localloom.routing.tiers import CLOUD_NAMES, Preferences
from localloom.wire.providers import PROVIDERS, display_url, mask_key, origin, url_problem

__all__ = ["ENGINE_CHOICES", "NOT_SAVED", "ProviderSettings", "Settings"]

#: Values of the "preferred engine" select: "" means automatic routing.
ENGINE_CHOICES = ("", "wllama", "webllm", "transformers", "chrome", *PROVIDERS)

#: What the panel says when ``BrowserStore.save_settings`` returns False.
NOT_SAVED = N_("Not saved: this browser's storage is full or blocked (a private window, or site "
               "data turned off), so this change is gone after a reload.")

_ALL = "all settings"


@dataclass
class ProviderSettings:
    id: str
    key: str = ""
    model: str = ""
    base_url: str = ""  # the "custom" provider only
    enabled: bool = False

    @property
    def usable(self) -> bool:
        """Enabled, and has what it needs: a key (named providers) or a URL (custom)."""
        if not self.enabled:
            return False
        return bool(self.base_url) if self.id == "custom" else bool(self.key)

    @property
    def url(self) -> str:
        """The URL its requests go to: its own, or the catalog's."""
        return self.base_url or PROVIDERS[self.id].base_url


@dataclass
class Settings:
    on_device_only: bool = False
    allow_downloads: bool = False
    preferred_engine: str = ""
    providers: dict[str, ProviderSettings] = field(default_factory=dict)
    seed: int | None = None  # fixed sampling seed: the same request writes the same course
    ui_language: str = ""  # "": the browser's language (localloom.i18n.pick_language)
    #: Saved entries ``from_dict`` could not read and reset (not saved back).
    unreadable: list[str] = field(default_factory=list, compare=False, repr=False)

    def set_provider(self, provider: ProviderSettings) -> None:
        if provider.id not in PROVIDERS:
            raise ValueError(f"unknown provider {provider.id!r}")
        self.providers[provider.id] = provider

    def update_provider(self, provider_id: str, *, key: str = "", model: str = "",
                        base_url: str = "", enabled: bool = True) -> str:
        """Save the provider form; returns a note for the user ("" if none).

        A blank ``key`` keeps the saved one only while the URL stays on the same origin
        (scheme, host, port): a key belongs to one server. Raises ``ValueError`` with a message
        for the user for a base URL that cannot be used (never repeating a password).
        """
        base_url = base_url.strip()
        why = url_problem(base_url) if base_url else None
        if why is not None:
            raise ValueError(_("Not saved: the base URL {why}. Put a key in the API key "
                               "field.").format(why=why))
        new = ProviderSettings(provider_id, key.strip(), model.strip(), base_url, enabled)
        old = self.providers.get(provider_id)
        note = ""
        if not new.key and old is not None and old.key:
            if origin(old.url) == origin(new.url):
                new.key = old.key
            else:
                note = _("The saved key was for {old}, so it was not kept for {new}: type that "
                         "server's key if it needs one.").format(old=_origin_text(old.url),
                                                                 new=_origin_text(new.url))
        self.set_provider(new)
        return note

    def remove_provider(self, provider_id: str) -> None:
        self.providers.pop(provider_id, None)

    def preferences(self) -> Preferences:
        usable = tuple(p.id for p in self.providers.values() if p.usable)
        custom = self.providers.get("custom")
        return Preferences(
            preferred_engine=self.preferred_engine or None,
            on_device_only=self.on_device_only,
            allow_downloads=self.allow_downloads,
            cloud_providers=usable,
            custom_base_url=custom.base_url if custom and custom.usable else "",
        )

    def describe_providers(self) -> list[str]:
        lines = []
        for p in self.providers.values():
            where = display_url(p.base_url) if p.id == "custom" else mask_key(p.key)
            state = _("enabled") if p.usable else _("disabled")
            model = _(", model {model}").format(model=p.model) if p.model else ""
            lines.append(f"{CLOUD_NAMES.get(p.id, p.id)}: {where}{model}, {state}")
        return lines

    def notice(self) -> str:
        """The panel's message about ``unreadable`` entries ("" when everything was read)."""
        if not self.unreadable:
            return ""
        names = ", ".join(self.unreadable)
        text = _("Some saved settings could not be read and were reset: {names}.").format(
            names=names)
        if self.on_device_only and (_ALL in self.unreadable
                                    or "on_device_only" in self.unreadable):
            text += " " + _("On-device only is now ON, to keep your text on this device; turn "
                            "it off below if you want cloud providers.")
        return text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("unreadable")
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Settings:
        """Strict: a value of the wrong type is reset to its safe default and listed in
        ``unreadable``; never raises. ``None`` (nothing saved) gives the defaults."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            return cls(on_device_only=True, unreadable=[_ALL])
        bad: list[str] = []
        privacy = _read(data, "on_device_only", bool, False, bad)
        if "on_device_only" in bad:
            privacy = True  # the user may have asked for privacy: never fall back to cloud
        downloads = _read(data, "allow_downloads", bool, False, bad)
        preferred = _read(data, "preferred_engine", str, "", bad)
        if preferred not in ENGINE_CHOICES:
            preferred = ""
            bad.append("preferred_engine")
        seed = data.get("seed")
        if seed is not None and (type(seed) is not int or not 0 <= seed < 2**31):
            seed = None
            bad.append("seed")
        ui_language = _read(data, "ui_language", str, "", bad)
        if ui_language and ui_language not in LANGUAGES:
            ui_language = ""
            bad.append("ui_language")
        settings = cls(on_device_only=privacy, allow_downloads=downloads,
                       preferred_engine=preferred, seed=seed, ui_language=ui_language,
                       unreadable=bad)
        raw = _read(data, "providers", dict, {}, bad)
        for pid, entry in raw.items():
            if pid not in PROVIDERS or not isinstance(entry, dict):
                bad.append(f"providers.{pid}")
                continue
            where = f"providers.{pid}."
            provider = ProviderSettings(
                pid, key=_read(entry, "key", str, "", bad, where),
                model=_read(entry, "model", str, "", bad, where),
                base_url=_read(entry, "base_url", str, "", bad, where),
                enabled=_read(entry, "enabled", bool, False, bad, where))
            if "@" in provider.base_url and url_problem(provider.base_url):
                provider.base_url = display_url(provider.base_url)  # drop user:password@
                bad.append(f"{where}base_url (a user name or password was removed)")
            settings.providers[pid] = provider
        return settings


def _read(data: dict[str, Any], name: str, kind: type, default: Any, bad: list[str],
          where: str = "") -> Any:
    """``data[name]`` if it has exactly type ``kind``; else ``default``, noted in ``bad``."""
    if name not in data:
        return default
    value = data[name]
    if type(value) is not kind:  # not isinstance: True is an int, "no" is not a bool
        bad.append(where + name)
        return default
    return value


def _origin_text(url: str) -> str:
    found = origin(url)
    return f"{found[0]}://{found[1]}:{found[2]}" if found else _("another address")
