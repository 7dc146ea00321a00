"""PyScript entry point: hand the page to LocalLoom's UI."""

from localloom.ui.app import start

await start()  # noqa: F704 - PyScript runs this module with top-level await
