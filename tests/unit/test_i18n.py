"""localloom.i18n: which interface language a user gets, and translation through the catalog."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from buildtools.catalogs import compile_catalogs
from localloom import i18n
from localloom.course.runner import Runner, Step
from localloom.course.schema import Summary
from localloom.errors import EngineError, InvalidOutputError, LocalLoomError
from localloom.library.transfer import import_json
from localloom.routing.device import Capabilities
from localloom.routing.fallback import run_plan
from localloom.routing.tiers import make_plan
from localloom.wire.openai_errors import map_http_error


@pytest.fixture(autouse=True)
def english_after():
    compile_catalogs()  # the build does this; a test run straight from the tree needs it too
    yield
    i18n.set_language("en")


@pytest.mark.parametrize(("preferred", "saved", "expected"), [
    (["es-ES", "en-US"], "", "es"),
    (["es_MX"], "", "es"),
    (["fr-FR", "es-419", "en"], "", "es"),   # the first language we have
    (["fr-FR", "de"], "", "en"),             # none we have: English
    ([], "", "en"),
    (["es-ES"], "en", "en"),                 # the saved choice wins over the browser
    (["en-GB"], "es", "es"),
    (["es-ES"], "fr", "es"),                 # a saved value we do not have is ignored
])
def test_pick_language(preferred, saved, expected):
    """The saved choice, else the browser's first language we have, else English."""
    assert i18n.pick_language(preferred, saved) == expected


def test_spanish_catalog_translates_and_english_is_the_source():
    """Spanish comes from the compiled catalog; English is the source text itself."""
    assert i18n.set_language("es") == "es"
    assert i18n.language() == "es"
    assert i18n._("Saved.") != "Saved."
    assert i18n._("Saved.").strip()
    assert i18n._("Not a string in the catalog") == "Not a string in the catalog"
    assert i18n.set_language("en") == "en"
    assert i18n._("Saved.") == "Saved."


def test_placeholders_survive_translation():
    """A translated template still takes its named values."""
    i18n.set_language("es")
    text = i18n._("Step {i} of {n}: {label}…").format(i=2, n=5, label="X")
    assert "2" in text and "5" in text and "X" in text and text != "Step 2 of 5: X…"


def test_unknown_language_falls_back_to_english():
    """An unknown language code means English, never an error at boot."""
    assert i18n.set_language("xx") == "en"
    assert i18n._("Saved.") == "Saved."
    with pytest.raises(ValueError):
        i18n.catalog("xx")


def test_marker_does_not_translate():
    """N_ only marks a constant for the catalog; _ translates it where it is shown."""
    i18n.set_language("es")
    assert i18n.N_("Saved.") == "Saved."
    assert i18n._(i18n.N_("Saved.")) == i18n._("Saved.")
    assert i18n._("") == ""


def test_errors_of_the_engines_runner_routing_and_import_come_out_in_spanish():
    """With the interface in Spanish, a provider's 401, a step that stays invalid, a plan whose
    every tier failed, the tier list's reasons and a refused import read in Spanish, values
    filled in; the re-ask problems quoted in a cause stay English (the model reads them)."""
    i18n.set_language("es")

    auth = map_http_error(401, '{"error": {"message": "Invalid API Key"}}', {}, "groq")
    assert auth.what == "Groq respondió HTTP 401: Invalid API Key"
    assert auth.cause.startswith("Groq no acepta esta clave de API")
    assert auth.fix == ("Revisa la clave de Groq en Configuración (consigue una en "
                        "https://console.groq.com/keys).")

    class Prose:
        name, model_id, context_window, chat = "openai", "prose", 8192, True

        def count_tokens(self, text: str) -> int:
            return max(1, len(text) // 4)

        async def generate(self, request, on_token=None, cancel=None) -> str:
            return "Lo siento, no sé escribir JSON."

    step = Step("summary", Summary, "Resumen", 1, 1, {"text": "Las fracciones son partes."}, 300)
    with pytest.raises(InvalidOutputError) as invalid:
        asyncio.run(Runner(Prose(), "es", max_reasks=1).run(step))
    assert invalid.value.what == ("Resumen: la respuesta del modelo siguió sin ser válida "
                                  "después de 2 intentos.")
    assert invalid.value.cause.startswith("Últimos problemas:\n- ")
    assert "no JSON object" in invalid.value.cause

    async def fails(tier):
        raise EngineError(f"{tier.label} no responde.", engine=tier.engine)
    tiers = [SimpleNamespace(engine="wllama", model_id="a", label="A"),
             SimpleNamespace(engine="openai", model_id="", label="Groq")]
    with pytest.raises(EngineError) as every:
        asyncio.run(run_plan(tiers, fails))
    assert every.value.what == "Fallaron todos los motores."
    assert every.value.cause == ("A: EngineError - A no responde.; "
                                 "Groq: EngineError - Groq no responde.")
    assert every.value.fix.startswith("Lee arriba el motivo de cada motor")

    reasons = make_plan("summary", Capabilities(online=False)).explain()
    assert "- IA integrada de Chrome (Summarizer): no está en este navegador (no hay API " \
        "Summarizer)" in reasons
    assert any(line.startswith("- Proveedores en la nube: ninguno activado") for line in reasons)

    with pytest.raises(LocalLoomError) as refused:
        import_json("[" * 100_000, "profundo.json")
    assert refused.value.what == "No se pudo importar “profundo.json”."
    assert refused.value.cause == "No es un archivo JSON: tiene demasiados niveles de anidamiento."


def test_load_errors_preflight_and_diagnostics_come_out_in_spanish_and_the_report_in_english(
        monkeypatch):
    """With the interface in Spanish, the classifier's what/cause/fix, a preflight verdict, the
    Diagnostics panel's load log and environment read in Spanish with their values filled in;
    the identifiers (stage, verdict state) and the debug report stay English."""
    import localloom.models.catalog as catalog_module
    from localloom.models.catalog import find
    from localloom.models.loadstate import METADATA, LoadLog
    from localloom.models.modelfile import ModelFile
    from localloom.routing.device import StorageInfo
    from localloom.routing.diagnostics import classify_js_error
    from localloom.routing.preflight import SLOW, verdict
    from localloom.view.diagnostics import debug_report, render_environment, render_load_log

    monkeypatch.setattr(catalog_module, "embedded_model", lambda: ModelFile(
        "models/gemma-3-270m-q4_k_m.gguf", 253_113_024, "a5" * 32))
    i18n.set_language("es")

    err = classify_js_error("TypeError", "Failed to fetch", engine="wllama", stage="download",
                            model_id="smollm2-135m")
    assert err.what == "wllama no pudo contactar con el servidor para el modelo smollm2-135m."
    assert err.cause.startswith("El navegador no tiene conexión")
    assert err.fix.startswith("Comprueba la conexión y vuelve a intentarlo") and \
        err.fix.endswith("La descarga fallida no se guarda, así que no puede estropear cargas "
                         "posteriores.")

    caps = Capabilities(gpu_error="navigator.gpu is missing",
                        storage=StorageInfo(quota=10**10, usage=2 * 10**8))
    smol = verdict(find("smollm2-135m-instruct-q4_1"), caps)
    assert smol.state == SLOW  # the identifier stays English
    assert smol.text == ("cabe, pero lento (CPU) — se ejecuta en la CPU con 1 hilo (un "
                                 "solo hilo: la página no tiene aislamiento de origen cruzado): "
                                 "no hay adaptador WebGPU (navigator.gpu is missing); cabe en "
                                 "este dispositivo (9.8 GB de almacenamiento libres)")

    log = LoadLog("wllama", "smollm2-135m", clock=lambda: 0.0)
    log.enter(METADATA, "SmolLM2.gguf")
    log.fail(err)
    html = render_load_log([log])
    assert 'data-failed-at="fetching metadata"' in html
    assert "falló en la etapa «obteniendo metadatos»" in html
    assert "<li data-stage=\"checking\">comprobando — 0.00 s</li>" in html
    assert "<strong>Solución:</strong> Comprueba la conexión" in html
    assert "<th>Almacenamiento</th><td>200.0 MB usados de 10.0 GB, 9.8 GB libres</td>" in \
        render_environment(caps)
    isolated = Capabilities(cross_origin_isolated=True, hardware_concurrency=4)
    assert "<td>sí — 4 hilos</td>" in render_environment(isolated)  # Spanish has 3 plural forms
    assert verdict(find("smollm2-135m-instruct-q4_1"), isolated).because.startswith(
        "se ejecuta en la CPU con 4 hilos: no hay adaptador WebGPU; ")

    report = debug_report(caps, [log], [], [smol])
    assert '"verdict": "fits slowly (CPU)"' in report
    assert "runs on the CPU with 1 thread (one thread: the page is not cross-origin isolated)" \
        in report
    assert i18n.language() == "es"  # the report switched to English only while it wrote
