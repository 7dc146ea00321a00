"""LocalLoom's exceptions: every failure a user can hit says what happened, why, and the fix.

Foreign exceptions (JS errors, pydantic errors, HTTP failures) are mapped to these at one
boundary — the engine adapters and the parser — with ``raise ... from exc``.

Hierarchy::

    LocalLoomError                  what / cause / fix / stage, rendered by the UI
     ├── CourseParseError           model output is not a valid course; .problems = [(path, msg)]
     ├── TemplateError              a prompt template (built-in or user-edited) failed to render
     ├── GenerationCancelled        the user pressed Cancel; checkpoints are kept
     └── EngineError                an engine failed; .retryable says whether a retry may help
          ├── EngineUnavailable     engine/API absent, or its model cannot run here
          ├── ModelDownloadError    fetching model files failed (network, 404, integrity)
          ├── ModelLoadError        files are here but the engine could not load them
          ├── StorageQuotaError     not enough browser storage for the model
          ├── OutOfMemoryError      device/GPU memory exhausted, or device lost
          ├── ContextOverflowError  the prompt does not fit the model's context window
          ├── RateLimitedError      a provider said 429; .retry_after in seconds
          ├── AuthError             bad or missing key (401/403)
          ├── QuotaError            out of credits (402)
          ├── NetworkError          offline, DNS, CORS, timeout
          ├── RedirectRefused       a server redirected a prompt; never followed (key, privacy)
          └── InvalidOutputError    the output stayed invalid after every re-ask
               └── QualityError     valid, but a quality gate still objects after re-asks;
                                    .problems, .choices: keep trying, accept, or smaller
"""

from __future__ import annotations

from localloom.i18n import N_, _

__all__ = [
    "AuthError",
    "ContextOverflowError",
    "CourseParseError",
    "EngineError",
    "EngineUnavailable",
    "GenerationCancelled",
    "InvalidOutputError",
    "LocalLoomError",
    "ModelDownloadError",
    "ModelLoadError",
    "NetworkError",
    "OutOfMemoryError",
    "QualityError",
    "QuotaError",
    "RateLimitedError",
    "RedirectRefused",
    "StorageQuotaError",
    "TemplateError",
]


class LocalLoomError(Exception):
    """Base error: ``what`` happened, its likely ``cause``, the ``fix``, and the ``stage``."""

    default_cause = N_("An unexpected problem occurred.")
    default_fix = N_("Try again; if it keeps happening, reload the page.")

    def __init__(
        self,
        what: str,
        *,
        cause: str | None = None,
        fix: str | None = None,
        stage: str = "",
    ) -> None:
        self.what = what
        self.cause = cause or _(self.default_cause)
        self.fix = fix or _(self.default_fix)
        self.stage = stage
        super().__init__(what)

    def __str__(self) -> str:
        stage = f"[{self.stage}] " if self.stage else ""
        return f"{stage}{self.what} Cause: {self.cause} Fix: {self.fix}"

    @property
    def kind(self) -> str:
        """Stable machine-readable name, e.g. for the fallback log."""
        return type(self).__name__

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "what": self.what,
            "cause": self.cause,
            "fix": self.fix,
            "stage": self.stage,
        }


class CourseParseError(LocalLoomError):
    """Model output could not be turned into a valid object.

    ``problems`` is a list of ``(json_path, message)`` pairs, e.g.
    ``("modules[0].lessons[1].title", "missing")``; ``feedback()`` renders them as a re-ask
    note for the model.
    """

    default_cause = N_("The model wrote output that is not valid JSON for the course schema.")
    default_fix = N_("LocalLoom re-asks the model with the errors; a larger model helps if it "
                     "lasts.")

    def __init__(self, what: str, problems: list[tuple[str, str]] | None = None, **kw) -> None:
        self.problems: list[tuple[str, str]] = list(problems or [])
        super().__init__(what, **kw)

    def feedback(self, limit: int = 8) -> str:
        lines = [f"- {path or '(root)'}: {msg}" for path, msg in self.problems[:limit]]
        more = len(self.problems) - limit
        if more > 0:
            lines.append(f"- … and {more} more")
        return "\n".join(lines) or f"- {self.what}"


class TemplateError(LocalLoomError):
    default_cause = N_("A prompt template refers to a variable that does not exist or is unsafe.")
    default_fix = N_("Fix the template in Settings, or reset it to the built-in one.")


class GenerationCancelled(LocalLoomError):
    default_cause = N_("You pressed Cancel.")
    default_fix = N_("Press Generate again to resume from the last finished step.")


class EngineError(LocalLoomError):
    """An engine failed. ``retryable`` tells the router whether retrying the same tier helps."""

    retryable = False
    default_cause = N_("The language model engine failed.")
    default_fix = N_("LocalLoom falls back to the next engine; reload the page if all fail.")

    def __init__(self, what: str, *, engine: str = "", **kw) -> None:
        self.engine = engine
        super().__init__(what, **kw)

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "engine": self.engine}


class EngineUnavailable(EngineError):
    default_cause = N_("This engine or its model is not available in this browser.")
    default_fix = N_("Use another engine; LocalLoom tries the next one automatically.")


class ModelDownloadError(EngineError):
    retryable = True
    default_cause = N_("The network failed or the file is missing on the server.")
    default_fix = N_("Check the connection and retry; partial downloads are discarded, not kept.")


class ModelLoadError(EngineError):
    default_cause = N_("The model file is corrupt, incomplete, or not supported by this engine.")
    default_fix = N_("Reload the page: LocalLoom checks its stored copy and downloads the model "
                   "again when the copy is damaged.")


class StorageQuotaError(EngineError):
    default_cause = N_("The browser does not grant enough storage (private windows grant little).")
    default_fix = N_("Free disk space, leave private browsing, or pick a smaller model.")


class OutOfMemoryError(EngineError):
    default_cause = N_("The model needs more memory than this device can give it.")
    default_fix = N_("Close other tabs, or pick a smaller model.")


class ContextOverflowError(EngineError):
    default_cause = N_("The prompt and answer do not fit in the model's context window.")
    default_fix = N_("Ask for fewer modules or shorter lessons, or use a model with a longer "
                     "context.")


class RateLimitedError(EngineError):
    retryable = True
    default_cause = N_("The provider's rate limit was reached.")
    default_fix = N_("Wait and retry, or let LocalLoom use the next provider.")

    def __init__(self, what: str, *, retry_after: float | None = None, **kw) -> None:
        self.retry_after = retry_after
        super().__init__(what, **kw)


class AuthError(EngineError):
    default_cause = N_("The API key is missing, wrong or lacks permission.")
    default_fix = N_("Check the key for this provider in Settings.")


class QuotaError(EngineError):
    default_cause = N_("The provider account is out of credits.")
    default_fix = N_("Top up the account, or use another provider or the on-device model.")


class NetworkError(EngineError):
    retryable = True
    default_cause = N_("The network is down, blocked by CORS, or the server did not answer in "
                       "time.")
    default_fix = N_("Check the connection or the provider URL; on-device engines work offline.")


class RedirectRefused(EngineError):
    """The server answered 3xx; LocalLoom never re-sends a prompt or key elsewhere."""

    default_cause = N_("The base URL is out of date (the server moved), or it points at a proxy "
                     "or a login page; following the redirect could send your text and key to "
                     "a host you did not choose.")
    default_fix = N_("Open the base URL in a browser tab to see where it leads, then put the "
                   "final address (it usually ends in /v1) in Settings.")


class InvalidOutputError(EngineError):
    default_cause = N_("The model kept producing output that does not fit the schema.")
    default_fix = N_("Try a larger model, fewer modules, or another engine.")


class QualityError(InvalidOutputError):
    """The answer is valid JSON for the schema, but after every re-ask a quality gate still
    objects (repeated or numbered titles, wrong language, a contradicted quiz key).

    ``problems`` are ``(path, message)`` pairs; ``choices`` are the policies the user may pick
    to continue (``"accept"``: keep the best answer as it is; ``"smaller"``: drop what is
    wrong and keep the rest). The generator keeps the best answer with its checkpoint, so a
    choice continues without asking the model again.
    """

    default_cause = N_("The model's answer kept the same problems after LocalLoom asked again.")
    default_fix = N_("Press Generate to keep trying (finished steps are kept), accept the answer "
                   "as it is, or use a larger model.")

    def __init__(self, what: str, *, problems: list[tuple[str, str]] | None = None,
                 choices: tuple[str, ...] = ("accept",), **kw) -> None:
        self.problems = list(problems or [])
        self.choices = choices
        super().__init__(what, **kw)
