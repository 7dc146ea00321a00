"""The Settings panel: privacy switch, download consent, preferred engine, cloud providers.

Public name: ``SettingsPanel``. It reads and writes ``settings.Settings`` through the
browser store; keys are shown masked after saving and never written back into the page.

What the user must know is said in the panel: saved settings that could not be read (and
were reset) in ``#settings-notice``; "not saved" when the browser's storage is full or
blocked, an unusable base URL, or a key not kept for a new server, in the ``aria-live``
statuses ``#settings-status`` (switches) and ``#provider-status`` (next to Save provider).
"""

from __future__ import annotations

import functools

import js

from localloom.i18n import _
from localloom.settings import NOT_SAVED, Settings
from localloom.ui.dom import el as _el
from localloom.ui.dom import listen
from localloom.wire.providers import PROVIDERS

__all__ = ["SettingsPanel"]


class SettingsPanel:
    def __init__(self, store, on_language=None) -> None:
        self.store = store
        self.settings = Settings.from_dict(store.settings())
        self._proxies: list = []
        self._on = functools.partial(listen, self._proxies)
        self._on_language = on_language  # called with the new interface language choice

    def bind(self) -> None:
        s = self.settings
        _el("on-device-only").checked = s.on_device_only
        _el("allow-downloads").checked = s.allow_downloads
        _el("preferred-engine").value = s.preferred_engine
        _el("seed").value = "" if s.seed is None else str(s.seed)
        _el("ui-language").value = s.ui_language
        notice = _el("settings-notice")
        notice.textContent = s.notice()
        notice.hidden = not s.unreadable
        if s.unreadable:  # store the reset values: a dropped password must not stay saved
            _el("settings").open = True
            self._persist("settings-status", "")
        for element_id in ("on-device-only", "allow-downloads", "preferred-engine", "seed"):
            self._on(element_id, "change", lambda event: self._save_switches())
        self._on("ui-language", "change", lambda event: self._save_language())
        self._on("provider-save", "click", lambda event: self._save_provider())
        self._on("provider-remove", "click", lambda event: self._remove_provider())
        self._on("provider", "change", lambda event: self._show_provider())
        self._show_provider()
        self._list()

    def _persist(self, status_id: str, done: str) -> bool:
        """Save, and say in ``status_id`` whether it was saved (``done``) or not, and why."""
        saved = bool(self.store.save_settings(self.settings.to_dict()))
        _el(status_id).textContent = done if saved else _(NOT_SAVED)
        _el(status_id).className = "" if saved else "error"
        return saved

    def _save_switches(self) -> None:
        self.settings.on_device_only = bool(_el("on-device-only").checked)
        self.settings.allow_downloads = bool(_el("allow-downloads").checked)
        self.settings.preferred_engine = str(_el("preferred-engine").value)
        seed = str(_el("seed").value).strip()
        self.settings.seed = int(seed) % 2**31 if seed.isdigit() else None
        self._persist("settings-status", _("Saved."))

    def _save_language(self) -> None:
        self.settings.ui_language = str(_el("ui-language").value)
        if self._on_language is not None:
            self._on_language(self.settings.ui_language)
        self._persist("settings-status", _("Saved."))
        self._show_provider()
        self._list()

    def _show_provider(self) -> None:
        pid = str(_el("provider").value)
        current = self.settings.providers.get(pid)
        default = PROVIDERS[pid].default_model if pid in PROVIDERS else ""
        _el("provider-model").placeholder = (_("blank: {model}").format(model=default)
                                             if default else _("blank: the server's first "
                                                               "model"))
        _el("provider-key").value = ""
        _el("provider-key").placeholder = _("saved — type to replace") if current and \
            current.key else ""
        _el("provider-model").value = current.model if current else ""
        _el("provider-url").value = current.base_url if current else ""
        _el("provider-enabled").checked = current.enabled if current else True

    def _save_provider(self) -> None:
        pid = str(_el("provider").value)
        try:
            note = self.settings.update_provider(
                pid, key=str(_el("provider-key").value),
                model=str(_el("provider-model").value), base_url=str(_el("provider-url").value),
                enabled=bool(_el("provider-enabled").checked))
        except ValueError as exc:  # an unusable base URL: the message never repeats it
            _el("provider-status").textContent = str(exc)
            _el("provider-status").className = "error"
            return
        if self._persist("provider-status", f"{_('Saved.')} {note}".strip()) and note:
            _el("provider-status").className = "error"  # the key was dropped: make it seen
        self._show_provider()
        self._list()

    def _remove_provider(self) -> None:
        self.settings.remove_provider(str(_el("provider").value))
        self._persist("provider-status", _("Removed."))
        self._show_provider()
        self._list()

    def _list(self) -> None:
        items = self.settings.describe_providers() or [_("No cloud provider: everything runs "
                                                          "on this device.")]
        ul = _el("provider-list")
        ul.innerHTML = ""
        for line in items:
            li = js.document.createElement("li")
            li.textContent = line
            ul.appendChild(li)
