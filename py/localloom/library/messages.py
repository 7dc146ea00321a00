"""Every sentence the library panel, import and export show, in one place.

Plain literals marked for the catalog (no sentence built from fragments; ``{name}``
placeholders filled with ``str.format`` after translation). ``MESSAGES[key]`` (and ``msg.key``
in a template) is the sentence in the interface language (``localloom.i18n``).
"""

from __future__ import annotations

from localloom.i18n import N_, _

__all__ = ["MESSAGES"]


class _Translated(dict):
    """A dict of English sentences that reads them in the interface language."""

    def __getitem__(self, key: str) -> str:
        return _(super().__getitem__(key))

    def get(self, key, default=None):
        return _(super().get(key)) if key in self else default


MESSAGES: dict[str, str] = _Translated({
    # the list
    "library": N_("Library"),
    "import_json": N_("Import JSON…"),
    "empty": N_("No saved courses yet: a course is saved here as it is written."),
    "status_done": N_("finished"),
    "status_in_progress": N_("in progress"),
    "status_unreadable": N_("unreadable (kept as text)"),
    "open": N_("Open"),
    "resume": N_("Resume"),
    "rename": N_("Rename"),
    "duplicate": N_("Duplicate"),
    "delete": N_("Delete"),
    "undo": N_("Undo"),
    "export_json": N_("Export JSON"),
    "export_markdown": N_("Export Markdown"),
    "print": N_("Print"),
    "regenerate_lesson": N_("Regenerate this lesson"),
    "regenerate_quiz": N_("Regenerate this quiz"),
    "written_by": N_("Written by {engine} ({model}) on {date}"),
    "written_by_no_model": N_("Written by {engine} on {date}"),
    "copy_title": N_("{title} (copy)"),
    "untitled": N_("Untitled course"),
    "new_title": N_("New title"),
    "save": N_("Save"),
    "cancel": N_("Cancel"),
    "last_course": N_("Your last saved course, kept in this browser."),
    "part_lesson": N_("module {module}, lesson {lesson}"),
    "part_quiz": N_("the quiz of module {module}"),
    "part_outline": N_("the outline"),
    "part_course": N_("the course"),
    "rename_prompt": N_("New title for “{title}”"),
    # what happened
    "deleted": N_("Deleted “{title}”."),
    "renamed": N_("Renamed to “{title}”."),
    "duplicated": N_("Duplicated as “{title}”."),
    "restored": N_("“{title}” is back."),
    "imported": N_("Imported “{title}”."),
    "opened": N_("Opened “{title}” from your library."),
    "resuming": N_("Resuming “{title}”: finished steps are kept."),
    "regenerated": N_("Regenerated {part} of “{title}”."),
    "exported": N_("Exported “{title}” as {file}."),
    "changed_elsewhere": N_("The library changed in another tab: the list is up to date."),
    "unreadable_open": N_("This course could not be read; export it to keep its text."),
    # storage
    "persisted": N_("Courses are stored persistently: the browser keeps them when space runs low."),
    "not_persisted": N_("This browser did not grant persistent storage: it may delete saved "
                      "courses when the disk runs low. Export the courses you want to keep."),
    "no_indexeddb": N_("This browser's database (IndexedDB) is blocked, so courses are kept only "
                     "until you close this tab. Export the ones you want to keep."),
    "not_saved": N_("Browser storage is full or blocked: this change is not saved. Export the "
                  "course to keep it."),
    "migrated": N_("Your saved courses were moved into the library ({count})."),
    # import errors (what / cause / fix)
    "import_what": N_("“{file}” could not be imported."),
    "import_not_json": N_("It is not a JSON file: {detail}."),
    "import_not_course": N_("It is JSON, but not a LocalLoom course export."),
    "import_newer": N_("It was exported by a newer LocalLoom (schema version {version})."),
    "import_invalid": N_("The course in it does not validate: {detail}."),
    "import_too_big": N_("It is {size}, more than the {limit} a course export can be."),
    "import_fix": N_("Choose a file made with Export JSON in LocalLoom; nothing was imported."),
    "import_fix_newer": N_("Update LocalLoom (reload the page when a new version is ready), "
                           "then import it again; nothing was imported."),
    # Markdown export
    "md_audience": N_("Audience"),
    "md_objectives": N_("You will learn"),
    "md_prerequisites": N_("Prerequisites"),
    "md_module": N_("Module {n}: {title}"),
    "md_key_points": N_("Key points"),
    "md_objectives_lesson": N_("Objectives"),
    "md_quiz": N_("Quiz"),
    "md_answer": N_("Answer"),
    "md_minutes": N_("{minutes} min"),
    "md_hours": N_("{hours} h"),
})
