"""The library panel: every course kept in this browser, and what can be done with each.

Public name: ``LibraryPanel``. The app makes one, awaits ``boot()``, and calls
``begin_run(form)`` before a generation, ``on_event(event, engine)`` for its events and
``finished(course)`` with the result; ``store`` is the generator's checkpoint store.

The panel fills ``<section id="library">`` (index.html) and binds with PyScript's ``when``:
Open, Resume (the form is filled back and the run goes on from its checkpoint), Rename,
Duplicate, Delete (with Undo), Export JSON / Markdown, Print, Import JSON; a saved course in
``#course`` shows who wrote each lesson and quiz, with a button to write it again.

The library lives in IndexedDB (``browser.idb``) with persistent storage requested; a change
made in another tab arrives on the ``localloom-library`` BroadcastChannel and the list is
redrawn. The courses in ``localStorage`` from earlier builds move in once.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from typing import Any

import js
from pyodide.ffi import create_proxy
from pyscript import web, when

from localloom.browser.idb import IndexedDB
from localloom.browser.storage import PREFIX
from localloom.course.generator import CourseRequest
from localloom.errors import LocalLoomError
from localloom.library.legacy import move_legacy
from localloom.library.messages import MESSAGES
from localloom.library.records import CourseRecord, part_label
from localloom.library.store import LibraryStore, MemoryBackend
from localloom.library.transfer import export_json, export_markdown, file_name
from localloom.ui.dispatch import TaskInput
from localloom.view.form import SIZES, read_form
from localloom.view.library import render_library, render_undo
from localloom.view.render import render_course, render_error

__all__ = ["LibraryPanel"]

CHANNEL = "localloom-library"
FORM_FIELDS = ("topic", "language", "level", "size")


class LibraryPanel:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.store = LibraryStore(MemoryBackend(), on_change=self._tell_other_tabs)
        self.current = ""  # the id of the saved course shown in #course
        self.editing = ""  # the id whose title is being edited
        self._channel: Any = None
        self._pending: Any = None
        self._proxies: list[Any] = []

    # -- boot --------------------------------------------------------------------------------

    async def boot(self) -> None:
        web.page["library"].innerHTML = _shell()
        try:
            self.store.backend = await IndexedDB.open()
        except OSError:
            self._say("library-storage", MESSAGES["no_indexeddb"])
        else:
            await self._move_legacy()
            await self.store.purge()
            await self._persist()
        with contextlib.suppress(Exception):  # no BroadcastChannel: one tab still works
            self._channel = js.BroadcastChannel.new(CHANNEL)
            self._channel.onmessage = self._keep(create_proxy(self._changed_elsewhere))
        when("click", "#library")(self._click)
        when("submit", "#library")(self._rename_submit)
        when("change", "#library-import")(self._import)
        when("click", "#course")(self._regenerate_click)
        await self.refresh()
        latest = await self.store.latest()
        if latest is not None:
            self.show(latest)
            web.page["served-by"].textContent = MESSAGES["last_course"]

    def _keep(self, proxy: Any) -> Any:
        self._proxies.append(proxy)
        return proxy

    async def _move_legacy(self) -> None:
        storage = js.window.localStorage
        items = {}
        for i in range(int(storage.length)):
            key = str(storage.key(i))
            if key.startswith(PREFIX):
                items[key.removeprefix(PREFIX)] = str(storage.getItem(key))
        try:
            form = json.loads(items.get("form", "{}"))
        except ValueError:
            form = {}
        try:
            moved, keys = await move_legacy(self.store, items, form if isinstance(form, dict)
                                            else None)
        except OSError:
            return  # the old keys stay where they are; the next visit tries again
        for key in keys:
            storage.removeItem(PREFIX + key)
        if moved:
            self._say("library-status", MESSAGES["migrated"].format(count=moved))

    async def _persist(self) -> None:
        storage = js.navigator.storage
        granted = False
        with contextlib.suppress(Exception):
            granted = bool(await storage.persisted()) or bool(await storage.persist())
        self._say("library-storage", MESSAGES["persisted" if granted else "not_persisted"])
        js.document.body.dataset.persisted = "yes" if granted else "no"

    # -- what the page shows -------------------------------------------------------------------

    def _say(self, element_id: str, text: str) -> None:
        web.page[element_id].textContent = text

    async def refresh(self) -> None:
        web.page["library-list"].innerHTML = render_library(await self.store.summaries(),
                                                            self.editing)

    def show(self, record: CourseRecord) -> None:
        """A saved course in #course, with who wrote each part and Regenerate buttons."""
        self.current = record.id
        web.page["course"].innerHTML = render_course(record.course, parts=record.provenance)
        js.document.body.dataset.course = record.id

    def _tell_other_tabs(self, ids: list[str]) -> None:
        if self._channel is not None:
            self._channel.postMessage(json.dumps(ids))

    def _changed_elsewhere(self, _event: Any) -> None:
        self._pending = asyncio.ensure_future(self._reload_after_change())

    async def _reload_after_change(self) -> None:
        await self.refresh()
        if self.current and self.app.cancel is None:
            record = await self.store.get(self.current)
            if record is not None and record.course is not None and not record.deleted:
                self.show(record)
        self._say("library-status", MESSAGES["changed_elsewhere"])

    def _error(self, error: LocalLoomError | None) -> None:
        box = web.page["library-error"]
        box.innerHTML = render_error(error) if error else ""
        box.hidden = error is None

    # -- a generation --------------------------------------------------------------------------

    def begin_run(self, form: dict[str, str]) -> None:
        self.store.begin_run(form)

    def on_event(self, event: Any, engine: Any) -> None:
        if engine is not None:
            self.store.note_event(event, str(engine.name), str(getattr(engine, "model_id", "")))

    async def finished(self, course: Any) -> bool:
        """The run's course replaces its in-progress record; False when it was not saved."""
        try:
            record = await self.store.finish_run(self.store.run_key, course)
        except OSError:
            return False
        self.show(record)
        await self.refresh()
        return True

    # -- the buttons -----------------------------------------------------------------------------

    async def _click(self, event: Any) -> None:
        button = event.target.closest("button[data-action]")
        if button is None or button.closest("#library") is None:
            return
        action, record_id = str(button.dataset.action), str(button.dataset.id or "")
        self._error(None)
        handler = getattr(self, "_" + action.replace("-", "_"), None)
        if handler is not None:
            result = handler(record_id)
            if inspect.isawaitable(result):
                await result

    async def _open(self, record_id: str) -> None:
        record = await self.store.get(record_id)
        if record is not None and record.course is not None:
            self.show(record)
            self._say("library-status", MESSAGES["opened"].format(title=record.title))
            web.page["output"].scrollIntoView()

    async def _resume(self, record_id: str) -> None:
        record = await self.store.get(record_id)
        if record is None or self.app.cancel is not None:
            return
        for name in FORM_FIELDS:
            if name in record.form:
                web.page[name].value = record.form[name]
        self._say("library-status", MESSAGES["resuming"].format(title=record.title))
        await self.app.generate()

    async def _rename(self, record_id: str) -> None:
        self.editing = record_id
        await self.refresh()
        field = web.page["rename-title"]
        if field is not None:
            field.focus()
            field.select()

    async def _cancel_rename(self, _record_id: str) -> None:
        self.editing = ""
        await self.refresh()

    def _rename_submit(self, event: Any) -> None:
        event.preventDefault()  # now: a coroutine's first step runs after the default action
        form = event.target
        title = str(form.elements.namedItem("title").value).strip()
        self._pending = asyncio.ensure_future(self._save_title(str(form.dataset.id), title))

    async def _save_title(self, record_id: str, title: str) -> None:
        self.editing = ""
        record = await self._write(self.store.rename(record_id, title)) if title else None
        if record is not None:
            if record_id == self.current:
                self.show(record)
            self._say("library-status", MESSAGES["renamed"].format(title=record.title))
        await self.refresh()

    async def _duplicate(self, record_id: str) -> None:
        record = await self._write(self.store.duplicate(record_id))
        if record is not None:
            self._say("library-status", MESSAGES["duplicated"].format(title=record.title))
        await self.refresh()

    async def _delete(self, record_id: str) -> None:
        record = await self._write(self.store.remove(record_id))
        if record is not None:
            status = web.page["library-status"]
            status.innerHTML = render_undo(MESSAGES["deleted"].format(title=record.title),
                                           record.id)
            status.find("button")[0].focus()
        await self.refresh()

    async def _undo(self, record_id: str) -> None:
        record = await self._write(self.store.undo(record_id))
        if record is not None:
            self._say("library-status", MESSAGES["restored"].format(title=record.title))
        await self.refresh()

    async def _write(self, pending) -> Any:
        try:
            return await pending
        except OSError:
            self._say("library-status", MESSAGES["not_saved"])
            return None

    # -- files -----------------------------------------------------------------------------------

    async def _export_json(self, record_id: str) -> None:
        record = await self.store.get(record_id)
        if record is not None and record.course is not None:
            self._download(export_json(record), file_name(record.title, "json"),
                           "application/json", record.title)

    async def _export_md(self, record_id: str) -> None:
        record = await self.store.get(record_id)
        if record is not None and record.course is not None:
            self._download(export_markdown(record), file_name(record.title, "md"),
                           "text/markdown", record.title)

    async def _export_raw(self, record_id: str) -> None:
        record = await self.store.get(record_id)
        if record is not None:
            self._download(record.raw, file_name(record.title, "json"), "application/json",
                           record.title)

    async def _print(self, record_id: str) -> None:
        await self._open(record_id)
        js.window.print()

    def _download(self, text: str, name: str, kind: str, title: str) -> None:
        """Hand ``text`` to the browser as a file: the only way a course leaves, on request."""
        from localloom.browser.ffi import js_object

        blob = js.Blob.new([text], js_object({"type": f"{kind};charset=utf-8"}))
        url = js.URL.createObjectURL(blob)
        link = js.document.createElement("a")
        link.href, link.download = url, name
        link.click()
        js.setTimeout(self._keep(create_proxy(lambda: js.URL.revokeObjectURL(url))), 10000)
        self._say("library-status", MESSAGES["exported"].format(title=title, file=name))

    async def _import(self, event: Any) -> None:
        files = event.target.files
        if not files or files.length == 0:
            return
        file = files.item(0)
        event.target.value = ""
        self._error(None)
        try:
            text = str(await file.text())
            record = await self.store.import_text(text, str(file.name))
        except LocalLoomError as error:
            self._error(error)
            return
        except OSError:
            self._say("library-status", MESSAGES["not_saved"])
            return
        self.show(record)
        self._say("library-status", MESSAGES["imported"].format(title=record.title))
        await self.refresh()

    # -- one part written again -----------------------------------------------------------------

    async def _regenerate_click(self, event: Any) -> None:
        button = event.target.closest("button[data-regenerate]")
        if button is None or not self.current or self.app.cancel is not None:
            return
        record = await self.store.get(self.current)
        if record is None or record.course is None:
            return
        part = str(button.dataset.regenerate)
        request = _request_for(record)
        self.store.begin_run(record.form)
        job = TaskInput("course", request.language, course=request, part=part,
                        base=record.course)

        async def finish(course: Any) -> str:
            done = await self._write(self.store.replace_course(
                record.id, course, {k: v for k, v in self.store.run_provenance.items()
                                    if k == part}))
            if done is None:
                return MESSAGES["not_saved"]
            self.show(done)
            await self.refresh()
            return MESSAGES["regenerated"].format(part=part_label(part), title=done.title)
        from localloom.ui.app import COURSE

        await self.app._route(job, COURSE, finish)


def _request_for(record: CourseRecord) -> CourseRequest:
    """The request that wrote ``record`` (an imported course: its language and level)."""
    course = record.course
    assert course is not None
    values = {"topic": record.form.get("topic") or course.title,
              "language": course.language, "level": course.level,
              "size": record.form.get("size") if record.form.get("size") in SIZES else "short"}
    return read_form(values)[0]


def _shell() -> str:
    from localloom.view.templating import render

    return render("library_shell.html.j2", msg=MESSAGES)
