"""The Settings panel: privacy switch, download consent, preferred engine, cloud providers.

Public name: ``SettingsPanel``. It reads and writes ``settings.Settings`` through the
browser store; keys are shown masked after saving and never written back into the page.
"""

from __future__ import annotations

import js
from pyodide.ffi import create_proxy

from ..settings import ProviderSettings, Settings
from .dom import el as _el

__all__ = ["SettingsPanel"]


class SettingsPanel:
    def __init__(self, store) -> None:
        self.store = store
        self.settings = Settings.from_dict(store.settings())
        self._proxies = []

    def bind(self) -> None:
        s = self.settings
        _el("on-device-only").checked = s.on_device_only
        _el("allow-downloads").checked = s.allow_downloads
        _el("preferred-engine").value = s.preferred_engine
        for element_id in ("on-device-only", "allow-downloads", "preferred-engine"):
            self._on(element_id, "change", lambda event: self._save_switches())
        self._on("provider-save", "click", lambda event: self._save_provider())
        self._on("provider-remove", "click", lambda event: self._remove_provider())
        self._on("provider", "change", lambda event: self._show_provider())
        self._show_provider()
        self._list()

    def _on(self, element_id: str, event: str, handler) -> None:
        proxy = create_proxy(handler)
        self._proxies.append(proxy)
        _el(element_id).addEventListener(event, proxy)

    def _persist(self) -> None:
        self.store.save_settings(self.settings.to_dict())

    def _save_switches(self) -> None:
        self.settings.on_device_only = bool(_el("on-device-only").checked)
        self.settings.allow_downloads = bool(_el("allow-downloads").checked)
        self.settings.preferred_engine = str(_el("preferred-engine").value)
        self._persist()

    def _show_provider(self) -> None:
        current = self.settings.providers.get(str(_el("provider").value))
        _el("provider-key").value = ""
        _el("provider-key").placeholder = "saved — type to replace" if current and current.key \
            else ""
        _el("provider-model").value = current.model if current else ""
        _el("provider-url").value = current.base_url if current else ""
        _el("provider-enabled").checked = current.enabled if current else True

    def _save_provider(self) -> None:
        pid = str(_el("provider").value)
        old = self.settings.providers.get(pid)
        key = str(_el("provider-key").value).strip() or (old.key if old else "")
        self.settings.set_provider(ProviderSettings(
            id=pid, key=key, model=str(_el("provider-model").value).strip(),
            base_url=str(_el("provider-url").value).strip(),
            enabled=bool(_el("provider-enabled").checked)))
        self._persist()
        self._show_provider()
        self._list()

    def _remove_provider(self) -> None:
        self.settings.remove_provider(str(_el("provider").value))
        self._persist()
        self._show_provider()
        self._list()

    def _list(self) -> None:
        items = self.settings.describe_providers() or ["No cloud provider: everything runs "
                                                        "on this device."]
        ul = _el("provider-list")
        ul.innerHTML = ""
        for line in items:
            li = js.document.createElement("li")
            li.textContent = line
            ul.appendChild(li)
