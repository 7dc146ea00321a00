"""The course library as pure data: records, their versions, and files in and out.

Modules: ``records`` (a saved course, finished or in progress, with the provenance of each
part; migration of old records), ``transfer`` (JSON export and import, Markdown export),
``messages`` (every sentence the library shows, in one place for translation). The browser
side (IndexedDB, the panel) lives in ``browser.library_store`` and ``ui.library_panel``.
"""
