"""The user's settings: privacy switch, download consent, preferred engine, cloud providers.

Public names: ``Settings``, ``ProviderSettings``, ``ENGINE_CHOICES``.

Settings live only in this browser (``storage.BrowserStore``). A provider's key is sent only
to that provider (``openai_wire.build_request`` refuses any other host) and is shown masked::

    s = Settings.from_dict(stored)
    s.set_provider(ProviderSettings("groq", key="gsk_...", enabled=True))
    s.preferences().cloud_providers      # ("groq",)
    s.describe_providers()               # ["Groq: gsk_…abcd, enabled"]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .openai_providers import PROVIDERS, mask_key
from .tiers import CLOUD_NAMES, Preferences

__all__ = ["ENGINE_CHOICES", "ProviderSettings", "Settings"]

#: Values of the "preferred engine" select: "" means automatic routing.
ENGINE_CHOICES = ("", "wllama", "chrome", *PROVIDERS)


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


@dataclass
class Settings:
    on_device_only: bool = False
    allow_downloads: bool = False
    preferred_engine: str = ""
    providers: dict[str, ProviderSettings] = field(default_factory=dict)

    def set_provider(self, provider: ProviderSettings) -> None:
        if provider.id not in PROVIDERS:
            raise ValueError(f"unknown provider {provider.id!r}")
        self.providers[provider.id] = provider

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
            where = p.base_url if p.id == "custom" else mask_key(p.key)
            state = "enabled" if p.usable else "disabled"
            model = f", model {p.model}" if p.model else ""
            lines.append(f"{CLOUD_NAMES.get(p.id, p.id)}: {where}{model}, {state}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Settings:
        """Tolerant: unknown or malformed entries are dropped, never raised."""
        if not isinstance(data, dict):
            return cls()
        providers = {}
        raw = data.get("providers")
        for pid, p in (raw.items() if isinstance(raw, dict) else []):
            if pid in PROVIDERS and isinstance(p, dict):
                providers[pid] = ProviderSettings(
                    id=pid, key=str(p.get("key", "")), model=str(p.get("model", "")),
                    base_url=str(p.get("base_url", "")), enabled=bool(p.get("enabled")))
        preferred = str(data.get("preferred_engine", ""))
        return cls(on_device_only=bool(data.get("on_device_only")),
                   allow_downloads=bool(data.get("allow_downloads")),
                   preferred_engine=preferred if preferred in ENGINE_CHOICES else "",
                   providers=providers)
