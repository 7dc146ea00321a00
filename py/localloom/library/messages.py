"""Every sentence the library panel, import and export show, in one place.

Kept as plain literals (no sentence built from fragments; ``{name}`` placeholders filled with
``str.format``) so that the message catalog can extract and translate them later.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, str] = {
    # the list
    "library": "Library",
    "import_json": "Import JSON…",
    "empty": "No saved courses yet: a course is saved here as it is written.",
    "status_done": "finished",
    "status_in_progress": "in progress",
    "status_unreadable": "unreadable (kept as text)",
    "open": "Open",
    "resume": "Resume",
    "rename": "Rename",
    "duplicate": "Duplicate",
    "delete": "Delete",
    "undo": "Undo",
    "export_json": "Export JSON",
    "export_markdown": "Export Markdown",
    "print": "Print",
    "regenerate_lesson": "Regenerate this lesson",
    "regenerate_quiz": "Regenerate this quiz",
    "written_by": "Written by {engine} ({model}) on {date}",
    "written_by_no_model": "Written by {engine} on {date}",
    "copy_title": "{title} (copy)",
    "untitled": "Untitled course",
    "new_title": "New title",
    "save": "Save",
    "cancel": "Cancel",
    "last_course": "Your last saved course, kept in this browser.",
    "part_lesson": "module {module}, lesson {lesson}",
    "part_quiz": "the quiz of module {module}",
    "part_outline": "the outline",
    "part_course": "the course",
    "rename_prompt": "New title for “{title}”",
    # what happened
    "deleted": "Deleted “{title}”.",
    "renamed": "Renamed to “{title}”.",
    "duplicated": "Duplicated as “{title}”.",
    "restored": "“{title}” is back.",
    "imported": "Imported “{title}”.",
    "opened": "Opened “{title}” from your library.",
    "resuming": "Resuming “{title}”: finished steps are kept.",
    "regenerated": "Regenerated {part} of “{title}”.",
    "exported": "Exported “{title}” as {file}.",
    "changed_elsewhere": "The library changed in another tab: the list is up to date.",
    "unreadable_open": "This course could not be read; export it to keep its text.",
    # storage
    "persisted": "Courses are stored persistently: the browser keeps them when space runs low.",
    "not_persisted": ("This browser did not grant persistent storage: it may delete saved "
                      "courses when the disk runs low. Export the courses you want to keep."),
    "no_indexeddb": ("This browser's database (IndexedDB) is blocked, so courses are kept only "
                     "until you close this tab. Export the ones you want to keep."),
    "not_saved": ("Browser storage is full or blocked: this change is not saved. Export the "
                  "course to keep it."),
    "migrated": "Your saved courses were moved into the library ({count}).",
    # import errors (what / cause / fix)
    "import_what": "“{file}” could not be imported.",
    "import_not_json": "It is not a JSON file: {detail}.",
    "import_not_course": "It is JSON, but not a LocalLoom course export.",
    "import_newer": "It was exported by a newer LocalLoom (schema version {version}).",
    "import_invalid": "The course in it does not validate: {detail}.",
    "import_too_big": "It is {size}, more than the {limit} a course export can be.",
    "import_fix": "Choose a file made with Export JSON in LocalLoom; nothing was imported.",
    "import_fix_newer": "Update LocalLoom (reload the page when a new version is ready), then "
                        "import it again; nothing was imported.",
    # Markdown export
    "md_audience": "Audience",
    "md_objectives": "You will learn",
    "md_prerequisites": "Prerequisites",
    "md_module": "Module {n}: {title}",
    "md_key_points": "Key points",
    "md_objectives_lesson": "Objectives",
    "md_quiz": "Quiz",
    "md_answer": "Answer",
    "md_minutes": "{minutes} min",
    "md_hours": "{hours} h",
}
