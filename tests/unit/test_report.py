"""report: task results and the tier report render escaped, served tier marked; the result
line says who served, where, and which tiers failed first."""

from __future__ import annotations

from localloom.course.schema import Classification, Summary, Tags
from localloom.errors import ModelDownloadError
from localloom.models.catalog import ModelSpec
from localloom.routing.device import Capabilities
from localloom.routing.fallback import Attempt, Outcome
from localloom.routing.tiers import PlanStep, Preferences, make_plan
from localloom.view.report import privacy_line, render_result, render_tiers, served_line

GEMMA = ModelSpec("gemma", "wllama", 253_000_000, 4096, embedded=True)


def test_results_are_escaped():
    assert "&lt;b&gt;" in render_result(Summary(summary="<b>x</b>", key_points=["p"]))
    html = render_result(Tags(tags=["ml", "<i>"]))
    assert "ml" in html and "&lt;i&gt;" in html
    assert "science" in render_result(Classification(label="science", reason="because"))


def test_tier_report_marks_the_serving_tier_and_lists_skips():
    plan = make_plan("tags", Capabilities(chrome_ai={"LanguageModel": "unavailable"}),
                     catalog=[GEMMA])
    step = plan.steps[0]
    html = render_tiers(plan, [Attempt(step, "AuthError", "bad key", 0.2),
                               Attempt(step, "", "", 1.5, retry=True)])
    assert "failed: bad key" in html and 'class="served"' in html and "(retry)" in html
    assert "unavailable" in html  # the skipped Chrome tier keeps its reason


def test_tier_report_gives_each_failed_try_its_cause_and_fix():
    """A tier that failed before another served says why and what to do, not only what."""
    plan = make_plan("tags", Capabilities(), catalog=[GEMMA])
    error = ModelDownloadError("WebLLM could not download X: a file is missing.",
                               cause="The server does not have its config (HTTP 404).",
                               fix="Choose another model.")
    html = render_tiers(plan, [Attempt(plan.steps[0], error.kind, error.what, 0.3, error=error),
                               Attempt(plan.steps[0], "", "", 1.0)])
    assert ("failed: WebLLM could not download X: a file is missing. Cause: The server does "
            "not have its config (HTTP 404). Fix: Choose another model.") in html
    assert html.count("Cause:") == 1  # the serving try has nothing to explain


def _outcome(served: PlanStep, *failed: PlanStep) -> Outcome:
    attempts = [Attempt(step, "AuthError", f"{step.label} said 401.", 0.1) for step in failed]
    return Outcome("value", served, [*attempts, Attempt(served, "", "", 2.0)])


WLLAMA = PlanStep("wllama", "gemma", "", label="wllama gemma")
CUSTOM = PlanStep("openai", "", "", provider="custom", label="Custom server")
GROQ = PlanStep("openai", "", "", provider="groq", label="Groq")


def test_served_line_names_every_tier_that_failed_first():
    """A fallback is said at once in the result line, with each failed tier's reason."""
    line = served_line(_outcome(WLLAMA, CUSTOM), 30.4)
    assert line.startswith("Served by wllama gemma in 30 s, on this device.")
    assert "Custom server failed first: Custom server said 401." in line


def test_served_line_says_where_the_answer_came_from():
    """A server on loopback runs here; a named provider is the cloud; a remote custom URL is
    the user's server."""
    assert "on this device, through your server at 127.0.0.1:8080" in served_line(
        _outcome(CUSTOM), 1, custom_url="http://127.0.0.1:8080/v1")
    assert "in the cloud (Groq), with your key" in served_line(_outcome(GROQ), 1)
    assert "on your server at llm.example.org" in served_line(
        _outcome(CUSTOM), 1, custom_url="https://llm.example.org/v1")
    assert "failed first" not in served_line(_outcome(GROQ), 1)


def test_served_line_does_not_blame_a_tier_that_served_on_its_retry():
    """A step that failed once and then served is not reported as failed."""
    outcome = Outcome("v", GROQ, [Attempt(GROQ, "RateLimitedError", "slow down", 0.1),
                                  Attempt(GROQ, "", "", 1.0, retry=True)])
    assert "failed first" not in served_line(outcome, 1)


def test_privacy_line_is_true_to_the_settings():
    """'Nothing leaves this page' was shown with a cloud provider set: the line follows the
    switch, the providers and the preferred engine."""
    assert privacy_line(Preferences()) == "Nothing leaves this device."
    assert privacy_line(Preferences(on_device_only=True, cloud_providers=("groq",))) == \
        "Nothing leaves this device."
    assert "only when the engines on this device fail" in privacy_line(
        Preferences(cloud_providers=("groq",)))
    assert "goes first to Groq" in privacy_line(
        Preferences(preferred_engine="groq", cloud_providers=("groq",)))
    local = Preferences(preferred_engine="custom", cloud_providers=("custom",),
                        custom_base_url="http://127.0.0.1:8080/v1")
    assert privacy_line(local).endswith("127.0.0.1:8080, on this device.")


def test_served_line_names_the_cloud_model_and_who_chose_it():
    line = served_line(_outcome(CUSTOM), 1, custom_url="http://127.0.0.1:8080/v1",
                       model="qwen2.5-1.5b", model_from_server=True)
    assert "Model qwen2.5-1.5b (the first the server lists; set one in Settings" in line
    assert "Model" not in served_line(_outcome(WLLAMA), 1, model="gemma")
