"""okr-coach as a Model Context Protocol server (the official `mcp` SDK): `okr-coach mcp`.

Tools: review_okrs, explain_rule, draft_okrs, rewrite, find_examples. Resources: the rubric and the role library.
Transports: stdio (the default, for assistants that spawn the server) and streamable HTTP mounted at /mcp beside
the HTTP API (`okr-coach serve --mcp`), behind the same API keys and rate limits as the API.

Nothing here needs a network: reviews are the deterministic rubric; drafts and rewrites use the configured model
(the embedded one on 127.0.0.1 by default) and fall back to rubric/library results, saying so, when it fails.
Bad input is a tool error (`isError: true`) with the reason, never a crashed server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from coach import __version__
from coach.errors import CoachError
from coach.models import MAX_TEXT, Finding, Report
from coach.settings import Settings, get_settings
from coach.usecases.common import LLMLike

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("coach.mcp")

# How long one draft may take over MCP: assistants wait longer than a person at a prompt, so more samples fit.
DRAFT_BUDGET_S = 20.0
TOP_FIXES = 5

INSTRUCTIONS = """\
okr-coach reviews, drafts and rewrites OKRs (objectives and key results).
The rubric is deterministic: it alone decides scores (0-100) and findings, each with a rule id, evidence and a fix.
A small language model only proposes drafts and rewordings; every proposal is re-scored by the rubric, rewrites are
kept only when they score higher, and numbers the model guessed are listed under `to_confirm`.
Start with review_okrs; use explain_rule for any rule id it reports."""

FormatName = Literal["auto", "yaml", "json", "markdown", "csv"]
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
_PROPOSES = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=False, open_world_hint=False)


@contextmanager
def _as_tool_error() -> Iterator[None]:
    """A CoachError (bad input, unknown rule, index out of range...) becomes a tool error the caller can read."""
    try:
        yield
    except CoachError as exc:
        raise ToolError(str(exc)) from exc


def _where(path: str, report: Report) -> str:
    if path == "set":
        return "The set"
    oi = int(path.split("[", 2)[1].split("]", 1)[0])
    obj = report.objectives[oi]
    if ".key_results[" not in path:
        return f'Objective {oi + 1} "{obj.title}"'
    ki = int(path.rsplit("[", 1)[1].rstrip("]"))
    return f'Key result {oi + 1}.{ki + 1} "{obj.key_results[ki].text}"'


def top_fixes(report: Report, *, limit: int = TOP_FIXES, settings: Settings | None = None) -> list[str]:
    """The findings that cost the most points, in words: errors first, then the heaviest rules, in reading order."""
    from coach.rubric import load_rules

    weights = {r.id: r.weight for r in load_rules((settings or get_settings()).rubrics_dir)}
    found: list[tuple[int, str, Finding]] = list(
        (i, p, f) for i, (p, f) in enumerate(report.all_findings()))
    found.sort(key=lambda t: (_SEVERITY_RANK.get(t[2].severity, 3), -weights.get(t[2].rule, 0), t[0]))
    return [f"{_where(p, report)}: {f.message} Fix: {f.suggestion} ({f.rule}, {f.severity})"
            for _, p, f in found[:limit]]


def _summary(report: Report) -> str:
    n = len(report.all_findings())
    worst = min(report.objectives, key=lambda o: o.score)
    return (f"Set score {report.score}/100 with {n} finding{'s' * (n != 1)}; "
            f'lowest objective: {worst.index + 1} "{worst.title}" at {worst.score}.')


def build_server(settings: Settings | None = None, *, llm: LLMLike | None = None) -> MCPServer:
    """The MCP server with every tool and resource; `llm` replaces the configured model (tests pass a fake)."""
    settings = settings or get_settings()
    server = MCPServer(name="okr-coach", title="okr-coach", version=__version__, instructions=INSTRUCTIONS,
                       log_level="WARNING", website_url="https://github.com/okr-coach/okr-coach")

    def parse(text: str, fmt: str, source: str = "text") -> Any:
        from coach.public import loads

        return loads(text, format=fmt, source=source, settings=settings)

    @server.tool(
        name="review_okrs", title="Review OKRs against the rubric", annotations=_READ_ONLY,
        description=(
            "Score an OKR set (YAML, JSON, Markdown or CSV text) against the okr-coach rubric. Deterministic: the "
            "rubric alone decides the scores (0-100 for the set, each objective and key result) and the findings; "
            "no model is used. Returns `report` (the RUBRIC.md report, the same as `okr-coach review --format "
            "json`), `top_fixes` (the most costly findings in words, each with its fix) and a one-line `summary`. "
            "Markdown: headings are objectives, bullets are key results; `period:`/`team:` lines set the context."),
    )
    def review_okrs(
        text: Annotated[str, Field(description="The OKR set as text, in any supported format.")],
        format: Annotated[FormatName, Field(description="Input format; auto guesses it from the text.")] = "auto",
        profile: Annotated[str | None, Field(
            description="Rubric profile name: default, focused (2-4 KRs, at most 3 objectives) or lenient "
                        "(default: the server's OKR_COACH_PROFILE).", max_length=100)] = None,
    ) -> dict[str, Any]:
        from coach.public import review

        if profile is not None:
            known = sorted(p.stem for p in (settings.rubrics_dir / "profiles").glob("*.yaml"))
            if profile not in known:  # names only: a caller (perhaps over HTTP) never picks a file on the server
                raise ToolError(f"unknown profile {profile!r}; the profiles are: {', '.join(known)}")
        with _as_tool_error():
            report = review(parse(text, format), profile=profile, settings=settings)
        return {"summary": _summary(report), "top_fixes": top_fixes(report, settings=settings),
                "report": report.model_dump(mode="json")}

    @server.tool(
        name="explain_rule", title="Explain a rubric rule", annotations=_READ_ONLY,
        description=("Explain one rubric rule by its id (such as kr.baseline, as reported by review_okrs): what it "
                     "checks, why it matters, its severity and weight, and bad examples with better ones."),
    )
    def explain_rule(
        rule_id: Annotated[str, Field(description="A rule id, e.g. kr.baseline or objective.outcome.", max_length=100)],
    ) -> dict[str, Any]:
        from coach.rubric import load_rules

        rules = load_rules(settings.rubrics_dir)
        rule = next((r for r in rules if r.id == rule_id.strip()), None)
        if rule is None:
            raise ToolError(f"no rule {rule_id!r}; the rules are: {', '.join(r.id for r in rules)}")
        return {"id": rule.id, "scope": rule.scope, "severity": rule.severity, "weight": rule.weight,
                "what": rule.guidance, "why": rule.why, "finding": rule.message, "fix": rule.suggestion,
                "examples": [{"bad": b, "better": g} for b, g in zip(rule.examples.bad, rule.examples.good)]}

    @server.tool(
        name="draft_okrs", title="Draft OKRs for a role", annotations=_PROPOSES,
        description=(
            "Draft OKRs for a role, ranked by rubric score. The language model only proposes: it picks metrics, "
            "directions and numbers, shown the role's example OKRs from the library; code writes the sentences; the "
            "rubric scores and ranks every draft. Each draft says where every part came from (`source`, `details`: model, role "
            "library or code) and lists guessed numbers under `to_confirm`. If the model is unavailable or returns "
            "nothing usable, the result holds the role's library examples, scored, with `llm_used: false` and a "
            "`fallback_reason`. Unknown job titles use the nearest library role (see `notes`)."),
    )
    def draft_okrs(
        role: Annotated[str, Field(description='A job title, e.g. "Account Executive".', min_length=1, max_length=200)],
        goal: Annotated[str | None, Field(description="The company goal the objective supports.",
                                          max_length=MAX_TEXT)] = None,
        current_values: Annotated[str | None, Field(
            description='Where things stand now, in your words, e.g. "win rate 21%, pipeline $2M".',
            max_length=MAX_TEXT)] = None,
        period: Annotated[str | None, Field(description="e.g. 2026-Q3 (default: the current quarter).",
                                            max_length=200)] = None,
        n: Annotated[int, Field(description="How many model samples to draw.", ge=1, le=8)] = 3,
    ) -> dict[str, Any]:
        from coach.public import draft

        with _as_tool_error():
            result = draft(role, goal=goal, current_values=current_values, period=period, n=n,
                           budget_s=DRAFT_BUDGET_S, settings=settings, llm=llm)
        data = result.model_dump(mode="json")
        for d in data["drafts"]:
            d.pop("okrs", None)  # the same text as objective/key_results, in the input shape
        return data

    @server.tool(
        name="rewrite", title="Rewrite one objective or key result", annotations=_PROPOSES,
        description=(
            "Propose better wordings for one objective or one key result. The language model only proposes; the "
            "rubric re-scores each proposal and keeps only those that score strictly higher than the original "
            "(`candidates`, best first; `rejected` counts the rest), so only improvements come back. Give either a "
            "whole set as `okrs` text with `objective_index` (and `kr_index` for a key result; 0-based), or a single "
            "`objective` (optionally with one `key_result` to rewrite that key result). Without a usable model, "
            "`candidates` is empty and `fallback_reason` says why; `rubric_fixes` always lists the rubric's own "
            "findings and fixes for the item."),
    )
    def rewrite(
        okrs: Annotated[str | None, Field(description="A whole OKR set as text (any supported format).")] = None,
        objective_index: Annotated[int, Field(description="0-based objective in `okrs`.", ge=0)] = 0,
        kr_index: Annotated[int | None, Field(description="0-based key result to rewrite; omit to rewrite the "
                                                          "objective.", ge=0)] = None,
        objective: Annotated[str | None, Field(description="One objective, when no set is given.",
                                               max_length=MAX_TEXT)] = None,
        key_result: Annotated[str | None, Field(description="One key result of that objective, to rewrite it.",
                                                max_length=MAX_TEXT)] = None,
        period: Annotated[str | None, Field(description="The period, e.g. 2026-Q3.", max_length=200)] = None,
        role: Annotated[str | None, Field(description="The owner's role, for role-aware proposals.",
                                          max_length=200)] = None,
        n: Annotated[int, Field(description="How many proposals to ask the model for.", ge=1, le=8)] = 3,
    ) -> dict[str, Any]:
        from coach.public import rewrite as _rewrite

        with _as_tool_error():
            if okrs is not None and okrs.strip():
                if objective or key_result:
                    raise ToolError("give either `okrs` (with indices) or `objective`/`key_result`, not both")
                the_set = parse(okrs, "auto", "okrs")
                if period and not the_set.period:
                    the_set.period = period
                if role and not the_set.role:
                    the_set.role = role
                oi, ki = objective_index, kr_index
            elif objective and objective.strip():
                from coach.models import OKRSet

                krs = [key_result] if key_result and key_result.strip() else []
                the_set = OKRSet.model_validate({"period": period, "role": role, "objectives": [
                    {"title": objective, "key_results": krs}]})
                oi, ki = 0, (0 if krs else None)
            else:
                raise ToolError("give `okrs` (a set as text) with `objective_index`, or an `objective`")
            result = _rewrite(the_set, oi, ki, n=n, settings=settings, llm=llm)
        data = result.model_dump(mode="json")
        item = result.report.objectives[result.objective_index]
        findings = item.findings if result.kr_index is None else item.key_results[result.kr_index].findings
        # the rubric's own fixes for this item: useful with or without a model
        data["rubric_fixes"] = [f"{f.rule}: {f.message} Fix: {f.suggestion}" for f in findings]
        data["summary"] = (
            f"{len(result.candidates)} proposal(s) scored higher than the original ({result.original_score})."
            if result.candidates else
            ("The original already scores 100." if result.original_score >= 100 else
             result.fallback_reason or "No proposal scored higher than the original; keep it, or apply the "
                                         "fixes in `report` yourself."))
        return data

    @server.tool(
        name="find_examples", title="Find example OKRs", annotations=_READ_ONLY,
        description=(
            "Search the role library (curated example OKRs per role; offline vector search) for the examples nearest "
            "to a query. With a role, that role's examples come first, then its family's. `weak: true` returns weak "
            "examples annotated with the rules they break. These are library examples, not model output."),
    )
    def find_examples(
        role: Annotated[str | None, Field(description='A job title, e.g. "Customer Success Manager".',
                                          max_length=200)] = None,
        query: Annotated[str, Field(description="What the OKRs should be about.", max_length=MAX_TEXT)] = "",
        k: Annotated[int, Field(description="How many examples.", ge=1, le=20)] = 5,
        weak: Annotated[bool, Field(description="Return weak examples (with the rules they break) instead.")] = False,
    ) -> dict[str, Any]:
        from coach.corpus.roles import match_role
        from coach.corpus.search import search

        role = role.strip() if role and role.strip() else None
        with _as_tool_error():
            out: dict[str, Any] = {}
            if role:
                m = match_role(role, settings=settings)
                out["role"] = m.role.role
                if m.how not in ("exact", "alias"):
                    out["note"] = f"no role named {role!r}; examples are for the nearest role {m.role.role!r}"
            hits = search(query, role=role, k=k, kinds=("weak",) if weak else ("good",), settings=settings)
        out["examples"] = [h.model_dump(mode="json", exclude_none=True) for h in hits]
        return out

    @server.resource("okr://rubric", name="rubric", title="The okr-coach rubric", mime_type="application/json",
                     description="Every rule with its id, scope, severity, weight, guidance, why, and examples.")
    def rubric_resource() -> str:
        from coach.rubric import load_profile, load_rules, rubric_version

        profile = load_profile(settings.profile)
        rules = [r for r in load_rules(settings.rubrics_dir) if r.id not in profile.disabled_rules]
        return json.dumps({
            "rubric_version": rubric_version(settings.rubrics_dir), "profile": profile.name,
            "scoring": "A key result starts at 100 and loses each broken rule's weight (errors 1.5x, info 0.5x); an "
                       "objective is half its own wording, half the mean of its key results; the set is the mean of "
                       "its objectives minus set-level findings.",
            "rules": [{"id": r.id, "scope": r.scope, "severity": dict(profile.severity_overrides).get(r.id, r.severity),
                       "weight": r.weight, "guidance": r.guidance, "why": r.why, "message": r.message,
                       "suggestion": r.suggestion, "examples": r.examples.model_dump()} for r in rules],
        }, indent=2, ensure_ascii=False)

    @server.resource("okr://roles", name="roles", title="The role library", mime_type="application/json",
                     description="Roles with example OKRs: what each drives and its leading and lagging metrics.")
    def roles_resource() -> str:
        from coach.corpus.roles import list_roles

        return json.dumps([{
            "role": r.role, "slug": r.slug, "family": r.family, "aliases": r.aliases, "drives": r.drives,
            "metrics": [{"name": m.name, "kind": m.kind, "unit": m.unit} for m in r.metrics],
            "good_examples": len(r.good), "weak_examples": len(r.weak), "uri": f"okr://roles/{r.slug}",
        } for r in list_roles(settings)], indent=2, ensure_ascii=False)

    @server.resource("okr://roles/{slug}", name="role", title="One role of the library", mime_type="application/json",
                     description="One role (by slug, see okr://roles): metrics, good example OKRs and weak ones "
                                 "with the rules they break.")
    def role_resource(slug: str) -> str:
        from coach.corpus.roles import list_roles

        role = next((r for r in list_roles(settings) if r.slug == slug), None)
        if role is None:
            raise ResourceNotFoundError(f"no role {slug!r}; read okr://roles for the slugs")
        return role.model_dump_json(indent=2, exclude={"source"})

    return server


def run_stdio(settings: Settings | None = None) -> None:
    """Serve MCP over stdin/stdout until the client closes the pipe."""
    build_server(settings).run("stdio")


# -- streamable HTTP beside the API -------------------------------------------------------------------------------


class _KeyGate:
    """ASGI wrapper for /mcp: the API's own caller check (keys, anonymous policy, rate limits) before MCP runs."""

    def __init__(self, inner: Any, api: FastAPI) -> None:
        self.inner, self.api = inner, api

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        from fastapi.security import HTTPAuthorizationCredentials
        from starlette.requests import Request

        from coach.api.deps import coach_caller, identify
        from coach.api.errors import RateLimited, error_response

        request = Request(scope, receive)
        state = self.api.state
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        creds = (HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
                 if scheme.lower() == "bearer" and token.strip() else None)
        try:
            caller = await identify(request, state.db, state.settings, creds, request.headers.get("x-api-key"))
            await coach_caller(caller, state.settings)
        except CoachError as exc:
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
            if isinstance(exc, RateLimited):
                headers["Retry-After"] = str(exc.retry_after)
            await error_response(exc.status, exc.to_dict(), headers)(scope, receive, send)
            return
        await self.inner(scope, receive, send)


def mount_http(app: FastAPI, *, path: str = "/mcp", host: str = "127.0.0.1", llm: LLMLike | None = None) -> None:
    """Serve MCP (streamable HTTP, stateless, JSON responses) at `path` of the API app, behind the API's keys.

    Stateless: any instance behind a load balancer can answer any request. On 127.0.0.1/localhost the SDK's DNS
    rebinding protection checks the Host and Origin headers.
    """
    settings: Settings = app.state.settings
    server = build_server(settings, llm=llm if llm is not None else app.state.llm)
    sub = server.streamable_http_app(streamable_http_path=path, stateless_http=True, json_response=True,
                                     host=host, max_request_body_size=settings.max_input_bytes + 64 * 1024)
    from starlette.routing import Route

    for route in sub.routes:
        if isinstance(route, Route) and route.path == path:
            app.router.routes.append(Route(path, endpoint=_KeyGate(route.endpoint, app), include_in_schema=False))
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> Any:
        async with previous(a) as state, server.session_manager.run():
            yield state

    app.router.lifespan_context = lifespan
