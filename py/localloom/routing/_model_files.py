"""Error wording for a model's files: which file a message names, a WebLLM model library that
the browser cannot compile or link, and a Transformers.js model folder that will not load
(private to ``routing.diagnostics``)."""

from __future__ import annotations

from localloom import errors as E
from localloom.i18n import N_, _

_FILES = (("mlc-chat-config.json", N_("its config file mlc-chat-config.json")),
          (".wasm", N_("its model library (the model's compiled GPU code, a .wasm file)")),
          ("tokenizer", N_("its tokenizer")), ("params_shard", N_("part of its weights")),
          ("tensor-cache.json", N_("its weights' index")), (".gguf", N_("the model file")),
          (".onnx", N_("its ONNX weights")), ("config.json", N_("its config file")))


def model_file(low: str) -> str:
    """Which of a model's files the (lower-cased) message names; WebLLM fetches several."""
    return _(next((what for needle, what in _FILES if needle in low), N_("the model files")))


def webllm_library(name: str, low: str, engine: str, model: str) -> tuple:
    """The rule for MLC's compiled .wasm that will not compile or link; ``engine`` and
    ``model`` name them in the sentence ("WebLLM could not start the model X: …")."""
    what = _("{engine} could not start {model}: its model library is not usable.").format(
        engine=engine, model=model)
    again = _("LocalLoom deleted the model's stored files, so the next try downloads them again; "
              "meanwhile the next model or engine serves. If it keeps failing, choose Embedded "
              "model (wllama) as Preferred engine in Settings.")
    if "found 3c" in low:  # "3c" is "<": a web page, not the wasm magic 00 61 73 6d
        return (E.ModelDownloadError, what, _("The server sent a web page instead of the model "
                "library (the .wasm file with the model's GPU code)."),
                _("LocalLoom moves on to the next model or engine: this one's library is not "
                  "where web-llm's catalog says. The page it got instead is not kept."), False)
    if name == "LinkError" or "import #" in low:
        return (E.ModelDownloadError, what, _("The model library was built for another WebLLM "
                "version: a copy stored by an older version of the app, or a wrong catalog "
                "entry."), again, False)
    return (E.ModelDownloadError, what, _("The model library is incomplete or damaged: its "
            "download broke off, or the server sent a wrong file."), again, True)


_TJS_AGAIN = N_("LocalLoom deleted this browser's stored copy of the model's files, so the next "
                "try fetches them again; meanwhile the next engine serves. If it keeps failing, "
                "choose another Preferred engine in Settings.")


def transformers_load(name: str, low: str, model: str, status: int | None) -> tuple | None:
    """The rule for a Transformers.js model folder (shipped with the app) that will not load:
    a file missing on the server, or one that is damaged; None for other errors."""
    if status in (404, 410) or name == "ModelFileNotFoundError" or any(
            n in low for n in ("could not locate file", "not found locally")):
        cause = (_("This copy of the app lacks {file} (HTTP {status}): it was published without "
                   "the model, or an update is only half done.") if status else
                 _("This copy of the app lacks {file}: it was published without the model, or "
                   "an update is only half done.")).format(file=model_file(low), status=status)
        return (E.ModelDownloadError,
                _("Transformers.js could not load {model}: a file is missing.").format(
                    model=model), cause,
                _("Reload the page while online; meanwhile the next engine serves. If it keeps "
                  "failing, choose another Preferred engine in Settings."), False)
    if name == "SyntaxError" or any(n in low for n in (
            "can't create a session", "failed to create session", "protobuf parsing failed",
            "invalid model", "unexpected end of json")):
        file = model_file(low)
        if file == _("the model files") and "session" in low:  # onnxruntime names no file
            file = _("its ONNX weights")
        return (E.ModelDownloadError,
                _("Transformers.js could not load {model}: a file is damaged.").format(
                    model=model),
                _("{file} could not be read: the copy is incomplete or not what Transformers.js "
                  "expects (an interrupted download, or the server sent another file, a web "
                  "page say).").format(file=file[0].upper() + file[1:]), _(_TJS_AGAIN), True)
    return None
