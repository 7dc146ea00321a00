"""Error wording for a model's files: which file a message names, and a WebLLM model library
that the browser cannot compile or link (private to ``routing.diagnostics``)."""

from __future__ import annotations

from localloom import errors as E

_FILES = (("mlc-chat-config.json", "its config file mlc-chat-config.json"),
          (".wasm", "its model library (the model's compiled GPU code, a .wasm file)"),
          ("tokenizer", "its tokenizer"), ("params_shard", "part of its weights"),
          ("tensor-cache.json", "its weights' index"), (".gguf", "the model file"))


def model_file(low: str) -> str:
    """Which of a model's files the (lower-cased) message names; WebLLM fetches several."""
    return next((what for needle, what in _FILES if needle in low), "the model files")


def webllm_library(name: str, low: str, failed: str) -> tuple:
    """The rule for MLC's compiled .wasm that will not compile or link; ``failed`` begins the
    sentence ("WebLLM could not start the model X")."""
    what = f"{failed}: its model library is not usable."
    again = ("LocalLoom deleted the model's stored files, so the next try downloads them again; "
             "meanwhile the next model or engine serves. If it keeps failing, choose Embedded "
             "model (wllama) as Preferred engine in Settings.")
    if "found 3c" in low:  # "3c" is "<": a web page, not the wasm magic 00 61 73 6d
        return (E.ModelDownloadError, what, "The server sent a web page instead of the model "
                "library (the .wasm file with the model's GPU code).",
                "LocalLoom moves on to the next model or engine: this one's library is not "
                "where web-llm's catalog says. The page it got instead is not kept.", False)
    if name == "LinkError" or "import #" in low:
        return (E.ModelDownloadError, what, "The model library was built for another WebLLM "
                "version: a copy stored by an older version of the app, or a wrong catalog "
                "entry.", again, False)
    return (E.ModelDownloadError, what, "The model library is incomplete or damaged: its "
            "download broke off, or the server sent a wrong file.", again, True)
