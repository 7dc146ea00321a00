"""Error wording for a model's files: which file a message names, a WebLLM model library that
the browser cannot compile or link, and a Transformers.js model folder that will not load
(private to ``routing.diagnostics``)."""

from __future__ import annotations

from localloom import errors as E

_FILES = (("mlc-chat-config.json", "its config file mlc-chat-config.json"),
          (".wasm", "its model library (the model's compiled GPU code, a .wasm file)"),
          ("tokenizer", "its tokenizer"), ("params_shard", "part of its weights"),
          ("tensor-cache.json", "its weights' index"), (".gguf", "the model file"),
          (".onnx", "its ONNX weights"), ("config.json", "its config file"))


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


_TJS_AGAIN = ("LocalLoom deleted this browser's stored copy of the model's files, so the next "
              "try fetches them again; meanwhile the next engine serves. If it keeps failing, "
              "choose another Preferred engine in Settings.")


def transformers_load(name: str, low: str, model: str, status: int | None) -> tuple | None:
    """The rule for a Transformers.js model folder (shipped with the app) that will not load:
    a file missing on the server, or one that is damaged; None for other errors."""
    failed = f"Transformers.js could not load {model}"
    if status in (404, 410) or name == "ModelFileNotFoundError" or any(
            n in low for n in ("could not locate file", "not found locally")):
        http = f" (HTTP {status})" if status else ""
        return (E.ModelDownloadError, f"{failed}: a file is missing.",
                f"This copy of the app lacks {model_file(low)}{http}: it was published "
                "without the model, or an update is only half done.",
                "Reload the page while online; meanwhile the next engine serves. If it keeps "
                "failing, choose another Preferred engine in Settings.", False)
    if name == "SyntaxError" or any(n in low for n in (
            "can't create a session", "failed to create session", "protobuf parsing failed",
            "invalid model", "unexpected end of json")):
        file = model_file(low)
        if file == "the model files" and "session" in low:  # onnxruntime names no file
            file = "its ONNX weights"
        return (E.ModelDownloadError, f"{failed}: a file is damaged.",
                f"{file[0].upper()}{file[1:]} could not be read: the copy is incomplete or "
                "not what Transformers.js expects (an interrupted download, or the server sent "
                "another file, a web page say).", _TJS_AGAIN, True)
    return None
