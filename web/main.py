"""PyScript entry point: hand the page to LocalLoom's UI."""

import os

# pydantic looks for plugins in every installed package's entry points on its first model;
# the page installs none, and the scan costs about 20 ms of each boot.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from localloom.ui.app import start

await start()  # noqa: F704 - PyScript runs this module with top-level await
