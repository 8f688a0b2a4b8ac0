"""The FastAPI application factory: routes, the error envelope, body limits, the web page."""

from __future__ import annotations

import os

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from coach import __version__, store
from coach.api import errors
from coach.api.hygiene import Hygiene, inline_script_csp
from coach.api.limits import BodySizeLimit, RateLimiter
from coach.api.routes import coach as coach_routes
from coach.api.routes import keys, library, sets
from coach.api.schemas import ERROR_RESPONSES, ErrorEnvelope
from coach.api.services import ModelRunner, ReportCache
from coach.settings import Settings, get_settings
from coach.usecases.common import LLMLike

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
# JSON quoting and the other request fields on top of the OKR text itself.
BODY_OVERHEAD = 64 * 1024


def _swagger_assets() -> Path | None:
    """Swagger UI 5 files shipped by the fastapi-offline package, so /docs works offline (FastAPI's default uses a CDN)."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    static = Path(fastapi_offline.__file__).resolve().parent / "static"
    return static if (static / "swagger-ui-bundle.js").exists() else None


def create_app(settings: Settings | None = None, *, llm: LLMLike | None = None) -> FastAPI:
    """A ready app: `llm` overrides the configured model (tests pass a fake one)."""
    settings = settings or get_settings()
    local_docs = _swagger_assets()
    app = FastAPI(title="okr-coach", version=__version__, redoc_url=None, docs_url=None if local_docs else "/docs",
                  description="Review, draft and improve OKRs: a deterministic rubric scores, a language model proposes.")
    app.state.settings = settings
    app.state.db = store.open_database(settings.database)
    app.state.llm = llm
    app.state.runner = ModelRunner(timeout_s=settings.request_timeout_s)
    app.state.report_cache = ReportCache(size=settings.report_cache_size)
    # Windows in Redis are named after the store, so deployments (or test runs) sharing one Redis never mix.
    app.state.limiter = RateLimiter(settings.redis_url, prefix=f"okr-coach:{app.state.db.store_id}:limits")
    errors.install(app)
    app.include_router(coach_routes.router, responses=ERROR_RESPONSES)
    app.include_router(library.router, responses=ERROR_RESPONSES)
    app.include_router(library.limited, responses=ERROR_RESPONSES)
    app.include_router(keys.router, responses=ERROR_RESPONSES)
    app.include_router(sets.router, responses={**ERROR_RESPONSES, 409: {"model": ErrorEnvelope,
                                                                        "description": "Stale base_version"}})
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_input_bytes + BODY_OVERHEAD)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    docs_csp = None

    if local_docs:
        docs_html = get_swagger_ui_html(openapi_url="/openapi.json", title="okr-coach API",
                                        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                        swagger_css_url="/docs-assets/swagger-ui.css",
                                        swagger_favicon_url="/docs-assets/favicon.png")
        docs_csp = inline_script_csp(docs_html.body.decode())
        app.mount("/docs-assets", StaticFiles(directory=local_docs), name="docs-assets")

        @app.get("/docs", include_in_schema=False)
        def docs() -> HTMLResponse:
            return HTMLResponse(docs_html.body)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        # Everything the page needs is served here: no other origin may run or load anything (hygiene.PAGE_CSP).
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    # Outermost: every response, a 413 from the body limit and a crash included, leaves through it.
    app.add_middleware(Hygiene, trusted_hosts=settings.trusted_hosts, docs_csp=docs_csp)
    return app


def _warm_up(settings: Settings) -> None:
    """A served worker drafts once in the background, so the first request does not pay for starting the index,
    the embedder, the rubric, the prompts and the model (seconds each on a small machine). Failures are left for
    the request that needs the part to report. OKR_COACH_WARM_UP=0 turns it off."""
    import threading

    if os.environ.get("OKR_COACH_WARM_UP", "1") in ("0", "false", "no"):
        return

    def run() -> None:
        try:
            from coach.corpus.index import get_index
            from coach.usecases.draft import draft
            from coach.usecases.results import DraftContext

            roles = get_index(settings).roles
            if roles:  # a metric no library key result measures, so the drafts tie and the model votes
                draft(role=roles[0].role, context=DraftContext(period="warm-up", metrics=["warm-up steps=1"]),
                      n=1, settings=settings, budget_s=60)
        except Exception:  # noqa: BLE001 - a warm-up only; the request that needs the part reports the error
            pass

    threading.Thread(target=run, name="okr-coach-warm-up", daemon=True).start()


def create_app_from_env() -> FastAPI:
    """The app configured from OKR_COACH_* variables: what each `okr-coach serve --workers N` worker runs."""
    app = create_app(get_settings())
    _warm_up(app.state.settings)
    mcp_host = os.environ.get("OKR_COACH_SERVE_MCP_HOST")
    if mcp_host:  # `okr-coach serve --mcp --workers N`: every worker serves /mcp too
        from coach.mcp_server import mount_http

        mount_http(app, host=mcp_host)
    return app
