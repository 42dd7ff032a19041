"""The rating web app: server-rendered pages for raters, a JSON API, and an admin page.

Raters only ever see task positions in URLs, never item ids or system names, and
every image is served as a fresh, equally long PNG with uniform headers (`blind`),
so the study stays blind even to a rater with devtools open, and no attention check
shows itself as a file seen before. Pages and API share one validation path; every
number a client sends is bounded, and JSON is read strictly (`strict_json`). Admin
actions need a server-side session, a CSRF token and a same-origin request (`admin_auth`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .admin_auth import (
    SESSION_SECONDS,
    AdminSession,
    AdminSessions,
    cross_site_reason,
    csrf_matches,
)
from .blind import BlindedImages, VariantTooLongError
from .config import Study
from .generate import Workspace
from .http_guard import Guard
from .manifest import Manifest
from .plan import Task
from .ratelimit import SlidingWindow
from .store import Enrolment, Rater, RatingStore, StudyFullError
from .strict_json import StrictJSONError, loads_strict
from .study import add_rater

# Bounds on everything a client sends: far above any honest value, far below what
# would overflow SQLite's 64-bit integers or take real memory.
MAX_BODY_BYTES = 64 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_RESPONSE_MS = 24 * 60 * 60 * 1000
MAX_POSITION = 100_000
MAX_SCORE = 100
MAX_ADD_RATERS = 100
ADMIN_COOKIE = "admin_session"
# What a browser gets to drop the admin cookie (sign-out, or a session that ended).
ENDED_COOKIE = f'{ADMIN_COOKIE}=""; Max-Age=0; Path=/; HttpOnly; SameSite=strict'
PLATFORM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PLATFORM_PARAMS = ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID")

Score = Annotated[int, Field(ge=0, le=MAX_SCORE)]
Token = Annotated[str, PathParam(min_length=1, max_length=64)]
Position = Annotated[int, PathParam(ge=0, le=MAX_POSITION)]


class Answer(BaseModel):
    """A JSON answer: `scores` for a Likert screen, `choice` for a pairwise one."""

    model_config = ConfigDict(extra="forbid")

    scores: dict[Annotated[str, Field(max_length=64)], Score] | None = Field(
        default=None, max_length=32
    )
    choice: Literal["left", "right", "tie"] | None = None
    response_ms: int | None = Field(default=None, ge=0, le=MAX_RESPONSE_MS)


@dataclass(frozen=True)
class AppState:
    """What every request needs, built once when the app starts."""

    study: Study
    store: RatingStore
    images: BlindedImages
    workspace: Workspace


class AnswerError(Exception):
    """An answer that does not fit its task; reported as 422 with `message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_answer(state: AppState, task: Task, answer: Answer) -> None:
    """The rules both the form and the API enforce, in one place."""
    if task.kind == "likert":
        if answer.scores is None or answer.choice is not None:
            raise AnswerError("this screen asks for Likert scores, not a pairwise choice")
        criteria = {criterion.id: criterion for criterion in state.study.rating.criteria}
        if unknown := sorted(set(answer.scores) - set(criteria)):
            raise AnswerError(
                f"unknown criterion '{unknown[0][:40]}' (criteria: {', '.join(criteria)})"
            )
        if missing := [c for c in criteria if c not in answer.scores]:
            raise AnswerError(f"missing a score for '{missing[0]}'")
        for criterion_id, score in answer.scores.items():
            scale = sorted(criteria[criterion_id].anchors)
            if score not in scale:
                raise AnswerError(
                    f"{criterion_id}: a score is a whole number {scale[0]}-{scale[-1]}"
                )
    elif answer.choice is None or answer.scores is not None:
        raise AnswerError("this screen asks for a choice (left, right or tie)")


def save_answer(state: AppState, rater: Rater, task: Task, answer: Answer) -> bool:
    check_answer(state, task, answer)
    if task.kind == "likert":
        assert answer.scores is not None
        return state.store.save_likert(
            rater.rater_id, task.position, answer.scores, answer.response_ms
        )
    assert answer.choice is not None
    return state.store.save_pairwise(
        rater.rater_id, task.position, answer.choice, answer.response_ms
    )


def derived_secret(admin_token: str, purpose: str) -> str:
    """A secret for one purpose derived from the admin token (nothing more to store)."""
    return hmac.new(admin_token.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:24]


def completion_code(study: Study, admin_token: str) -> str:
    """The code raters enter on the recruiting platform: the configured one, or a derived one."""
    configured = study.rating.crowd.completion_code
    return configured or derived_secret(admin_token, "completion")[:10].upper()


def study_link(root: str, admin_token: str) -> str:
    """The one link for open enrolment, with Prolific's placeholders for its ids."""
    join = derived_secret(admin_token, "join")
    placeholders = "&".join(f"{name}={prolific_placeholder(name)}" for name in PLATFORM_PARAMS)
    return f"{root}/join/{join}?{placeholders}"


def prolific_placeholder(name: str) -> str:
    """Prolific's URL placeholder for `name`: two braces, a percent sign, the name."""
    return "{" * 2 + f"%{name}%" + "}" * 2


def create_app(study: Study, workspace: Workspace) -> FastAPI:
    """Build the app for a study whose ratings database `serve` has set up."""
    store = RatingStore(workspace.ratings)
    records = Manifest(workspace.manifest).records()
    images = BlindedImages.prepare(
        {record.item_id: workspace.root / record.path for record in records},
        study.image_size,
        workspace.root / "blinded",
    )
    state = AppState(study=study, store=store, images=images, workspace=workspace)
    admin_token: str = store.meta("admin_token")
    sessions = AdminSessions(store)
    join_code = derived_secret(admin_token, "join")
    crowd = study.rating.crowd
    join_limit = SlidingWindow(crowd.joins_per_minute)
    package = files(__package__)
    templates = Jinja2Templates(directory=str(package / "templates"))
    app = FastAPI(title=f"{study.name} rating", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(Guard, max_body=MAX_BODY_BYTES, max_headers=MAX_HEADER_BYTES)
    app.mount("/static", StaticFiles(directory=str(package / "static")), name="static")

    def rater_for(token: str) -> Rater:
        rater = store.rater_by_token(token)
        if rater is None:
            raise HTTPException(
                status_code=403, detail="unknown rater link: ask the study admin for yours"
            )
        return rater

    def task_for(rater: Rater, position: int) -> Task:
        task = store.task(rater.rater_id, position)
        if task is None:
            raise HTTPException(status_code=404, detail=f"no task {position} for this rater")
        return task

    def next_task(rater: Rater) -> tuple[Task | None, int, int]:
        tasks = store.tasks(rater.rater_id)
        answered = store.answered(rater.rater_id)
        pending = [task for task in tasks if task.position not in answered]
        return (pending[0] if pending else None), len(answered), len(tasks)

    def pending_step(rater: Rater) -> str | None:
        """The screen before rating this rater still has to pass, if any."""
        done = store.steps_done(rater.rater_id)
        if crowd.consent and "consent" not in done:
            return "consent"
        if crowd.instructions and "instructions" not in done:
            return "instructions"
        return None

    def task_view(rater: Rater, task: Task) -> dict[str, Any]:
        base = f"/r/{rater.token}/tasks/{task.position}"
        view: dict[str, Any] = {
            "position": task.position,
            "kind": task.kind,
            "prompt": task.prompt_text,
            "practice": task.check == "practice",
        }
        if task.kind == "likert":
            view["image"] = f"{base}/image/main"
            view["criteria"] = [criterion.model_dump() for criterion in study.rating.criteria]
        else:
            view["left"] = f"{base}/image/left"
            view["right"] = f"{base}/image/right"
        return view

    def bearer_signed_in(request: Request) -> bool:
        """A script holding the admin token; browsers never add this header on their own."""
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(bearer.encode(), admin_token.encode())

    def admin_session(request: Request) -> AdminSession | None:
        """The live session the cookie names; None without one; 403 for any other cookie."""
        cookie = request.cookies.get(ADMIN_COOKIE)
        if cookie is None:
            return None
        session = sessions.find(cookie)
        if session is None:
            raise HTTPException(
                status_code=403,
                detail="this admin session has ended or is not valid: sign in again at /admin",
                headers={"set-cookie": ENDED_COOKIE},
            )
        return session

    def admin_guard(request: Request) -> AdminSession | None:
        """Let the admin through (the session, or None for a bearer script); 403 for others."""
        if bearer_signed_in(request):
            return None
        session = admin_session(request)
        if session is None:
            raise HTTPException(status_code=403, detail="sign in at /admin with the admin token")
        return session

    def refuse_cross_site(request: Request) -> None:
        if (reason := cross_site_reason(request.headers)) is not None:
            raise HTTPException(
                status_code=403,
                detail=f"refused {reason}: admin actions come only from this app's own pages",
            )

    def admin_action(request: Request, csrf: str) -> AdminSession | None:
        """The checks every state-changing admin request passes: origin, sign-in, CSRF token."""
        refuse_cross_site(request)
        session = admin_guard(request)
        if session is not None and not csrf_matches(session, csrf):
            raise HTTPException(
                status_code=403, detail="this form is out of date: reload /admin and try again"
            )
        return session

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "message": exc.detail, "study": study.name},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            # FastAPI's own handler echoes the input, which need not be JSON-encodable.
            return JSONResponse({"detail": _plain_errors(exc.errors())}, status_code=422)
        first = exc.errors()[0]
        field = str(first["loc"][-1]) if first.get("loc") else "request"
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": 422, "message": f"{field[:40]}: {first['msg']}", "study": study.name},
            status_code=422,
        )

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        return templates.TemplateResponse(request, "home.html", {"study": study.name})

    @app.get("/join/{code}")
    def join(
        code: Token,
        participant: Annotated[str, Query(alias="PROLIFIC_PID", max_length=64)] = "",
        platform_study: Annotated[str, Query(alias="STUDY_ID", max_length=64)] = "",
        session: Annotated[str, Query(alias="SESSION_ID", max_length=64)] = "",
    ) -> Response:
        """Open enrolment: one link for everyone; each participant id gets one rater."""
        if not crowd.open_enrolment or not hmac.compare_digest(code, join_code):
            raise HTTPException(status_code=403, detail="this study link is not open")
        for name, value in (
            ("PROLIFIC_PID", participant),
            ("STUDY_ID", platform_study),
            ("SESSION_ID", session),
        ):
            if value and not PLATFORM_ID.match(value):
                raise HTTPException(status_code=422, detail=f"{name}: letters, digits, _ and -")
        if not participant:
            raise HTTPException(
                status_code=422, detail="PROLIFIC_PID is missing: open the link from the platform"
            )
        rater = store.rater_of_participant(participant)
        if rater is None:
            # Only new participants count: anyone may open a leaked link with made-up ids.
            if wait := join_limit.acquire():
                raise HTTPException(
                    status_code=429,
                    detail="many people are joining right now: try again in a minute",
                    headers={"retry-after": str(wait)},
                )
            enrolment = Enrolment(participant, platform_study, session)
            try:
                rater = add_rater(study, workspace, store, enrolment, crowd.max_raters)
            except StudyFullError as exc:
                full = "this study is full: thank you"
                raise HTTPException(status_code=409, detail=full) from exc
        return RedirectResponse(f"/r/{rater.token}", status_code=303)

    @app.get("/r/{token}", response_class=HTMLResponse)
    def rater_page(request: Request, token: Token) -> Response:
        rater = rater_for(token)
        task, done, total = next_task(rater)
        context: dict[str, Any] = {
            "token": token,
            "done": done,
            "total": total,
            "study": study.name,
        }
        if (step := pending_step(rater)) is not None:
            context["text"] = crowd.consent if step == "consent" else crowd.instructions
            return templates.TemplateResponse(request, f"{step}.html", context)
        if task is None:
            if crowd.consent or crowd.instructions or crowd.open_enrolment:
                context["code"] = completion_code(study, admin_token)
                context["completion_url"] = crowd.completion_url
            return templates.TemplateResponse(request, "done.html", context)
        context["task"] = task_view(rater, task)
        page = "likert.html" if task.kind == "likert" else "pairwise.html"
        return templates.TemplateResponse(request, page, context)

    @app.post("/r/{token}/consent")
    def give_consent(token: Token, agree: Annotated[str, Form(max_length=8)] = "") -> Response:
        rater = rater_for(token)
        if agree != "yes":
            raise HTTPException(
                status_code=422, detail="tick the box to agree, or close the page to leave"
            )
        store.record_step(rater.rater_id, "consent")
        return RedirectResponse(f"/r/{token}", status_code=303)

    @app.post("/r/{token}/instructions")
    def read_instructions(token: Token) -> Response:
        rater = rater_for(token)
        if pending_step(rater) == "consent":
            raise HTTPException(status_code=409, detail="give your consent first")
        store.record_step(rater.rater_id, "instructions")
        return RedirectResponse(f"/r/{token}", status_code=303)

    @app.post("/r/{token}/tasks/{position}")
    async def submit_form(request: Request, token: Token, position: Position) -> Response:
        rater = await run_in_threadpool(rater_for, token)
        if await run_in_threadpool(pending_step, rater) is not None:
            return RedirectResponse(f"/r/{token}", status_code=303)
        task = await run_in_threadpool(task_for, rater, position)
        form = await request.form(max_files=0, max_fields=64)
        fields = form.multi_items()
        if len({key for key, _ in fields}) < len(fields):
            raise HTTPException(status_code=422, detail="a form field appears twice")
        answer = _answer_from_form(task, {key: str(value) for key, value in fields})
        try:
            await run_in_threadpool(save_answer, state, rater, task, answer)
        except AnswerError as exc:
            raise HTTPException(status_code=422, detail=exc.message) from exc
        return RedirectResponse(f"/r/{token}", status_code=303)

    @app.get("/r/{token}/tasks/{position}/image/{slot}")
    def image(token: Token, position: Position, slot: Literal["main", "left", "right"]) -> Response:
        task = task_for(rater_for(token), position)
        item = {"main": task.item_id, "left": task.left_item, "right": task.right_item}[slot]
        if not item or item not in images.paths:
            raise HTTPException(status_code=404, detail="no such image")
        # The task's URL, never the item's; fresh bytes of one length at every serve;
        # and no Last-Modified or ETag, whose file times would split the systems.
        try:
            body = images.read(item)
        except VariantTooLongError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc
        return Response(body, media_type="image/png")

    @app.get("/api/r/{token}/next")
    def api_next(token: Token) -> dict[str, Any]:
        rater = rater_for(token)
        task, done, total = next_task(rater)
        step = pending_step(rater)
        return {
            "done": done,
            "total": total,
            "step": step,
            "task": task_view(rater, task) if task and step is None else None,
        }

    @app.post("/api/r/{token}/tasks/{position}")
    async def api_submit(request: Request, token: Token, position: Position) -> dict[str, Any]:
        # JSON only: a page elsewhere can post text/plain without asking, never JSON.
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            raise HTTPException(status_code=415, detail="send the answer as application/json")
        answer = _answer_from_json(await request.body())
        rater = await run_in_threadpool(rater_for, token)
        if (step := await run_in_threadpool(pending_step, rater)) is not None:
            raise HTTPException(status_code=409, detail=f"{step} comes first: open /r/{token}")
        task = await run_in_threadpool(task_for, rater, position)
        try:
            stored = await run_in_threadpool(save_answer, state, rater, task, answer)
        except AnswerError as exc:
            raise HTTPException(status_code=422, detail=exc.message) from exc
        return {"stored": stored}

    @app.get("/admin", response_class=HTMLResponse)
    def admin(request: Request) -> Response:
        try:
            session = admin_session(request)
        except HTTPException as exc:
            # A stale or forged cookie: say so, drop it, and offer the sign-in form.
            ended = {"study": study.name, "message": exc.detail}
            return templates.TemplateResponse(
                request, "signin.html", ended, status_code=403, headers=exc.headers
            )
        if session is None:
            return templates.TemplateResponse(request, "signin.html", {"study": study.name})
        raters = {rater.rater_id: rater for rater in store.raters()}
        enrolled = store.enrolments()
        rows = [
            {
                "progress": progress,
                "link": f"/r/{raters[progress.rater_id].token}",
                "participant": enrolled[progress.rater_id].participant_id
                if progress.rater_id in enrolled
                else "",
            }
            for progress in store.progress()
        ]
        context = {
            "study": study.name,
            "rows": rows,
            "code": completion_code(study, admin_token),
            "study_link": study_link(str(request.base_url).rstrip("/"), admin_token)
            if crowd.open_enrolment
            else "",
            "max_add": MAX_ADD_RATERS,
            "added": store.added_count(),
            "max_added": study.rating.max_added_raters,
            "csrf": session.csrf,
        }
        return templates.TemplateResponse(request, "admin.html", context)

    @app.post("/admin/session")
    def sign_in(request: Request, token: Annotated[str, Form(max_length=128)] = "") -> Response:
        refuse_cross_site(request)
        if not hmac.compare_digest(token.encode(), admin_token.encode()):
            raise HTTPException(status_code=403, detail="wrong admin token")
        # A fresh id at every sign-in; the browser's old session, if any, ends here.
        session = sessions.open(replacing=request.cookies.get(ADMIN_COOKIE))
        response = RedirectResponse("/admin", status_code=303)
        response.set_cookie(
            ADMIN_COOKIE,
            session.session_id,
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @app.post("/admin/sign-out")
    def sign_out(request: Request, csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
        session = admin_action(request, csrf)
        if session is not None:
            sessions.close(session.session_id)
        response = RedirectResponse("/admin", status_code=303)
        response.headers["set-cookie"] = ENDED_COOKIE
        return response

    @app.post("/admin/raters")
    def add_raters(
        request: Request,
        count: Annotated[int, Form(ge=1, le=MAX_ADD_RATERS)] = 1,
        csrf: Annotated[str, Form(max_length=64)] = "",
    ) -> Response:
        admin_action(request, csrf)
        cap = study.rating.max_added_raters
        if store.added_count() + count > cap:
            raise HTTPException(
                status_code=409,
                detail=f"the admin page adds at most {cap} raters "
                "(rating.max_added_raters in study.yaml, or run `add-raters`)",
            )
        try:
            for _ in range(count):
                add_rater(study, workspace, store, cap=cap)
        except StudyFullError as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from exc
        return RedirectResponse("/admin", status_code=303)

    @app.get("/api/admin/progress")
    def admin_progress(request: Request) -> list[dict[str, Any]]:
        admin_guard(request)
        return [
            {"rater_id": p.rater_id, "done": p.done, "total": p.total, "last_answer": p.last_answer}
            for p in store.progress()
        ]

    return app


def _answer_from_json(body: bytes) -> Answer:
    """Read an API answer strictly: `true` is no score and `1.0` no whole number."""
    try:
        data = loads_strict(body)
        return Answer.model_validate(data, strict=True)
    except StrictJSONError as exc:
        detail = [{"type": "json_invalid", "loc": ["body"], "msg": str(exc)}]
        raise HTTPException(status_code=422, detail=detail) from exc
    except ValidationError as exc:
        raise HTTPException(status_code=422, detail=_plain_errors(exc.errors(), "body")) from exc


def _plain_errors(errors: Any, *prefix: str) -> list[dict[str, Any]]:
    """Validation errors without the offending input, which may be huge or unencodable."""
    return [
        {"type": error["type"], "loc": [*prefix, *error["loc"]], "msg": error["msg"]}
        for error in errors
    ]


def _small_int(text: str, limit: int) -> int | None:
    """A plain ASCII whole number up to `limit`, or None (so '²', '1e9', '-3' are refused)."""
    if text.isascii() and text.isdigit() and len(text) <= len(str(limit)):
        number = int(text)
        return number if number <= limit else None
    return None


def _answer_from_form(task: Task, form: dict[str, str]) -> Answer:
    """Turn form fields into an Answer, with the same 422s the JSON API gives."""
    response_ms = _small_int(form.get("response_ms", ""), MAX_RESPONSE_MS)
    if task.kind == "pairwise":
        choice = form.get("choice", "")
        if choice not in ("left", "right", "tie"):
            raise HTTPException(status_code=422, detail="choose left, right or tie")
        return Answer(choice=choice, response_ms=response_ms)  # type: ignore[arg-type]
    scores: dict[str, int] = {}
    for key, value in form.items():
        if key.startswith("score_"):
            score = _small_int(value, MAX_SCORE)
            if score is None:
                raise HTTPException(
                    status_code=422, detail=f"{key[6:][:40]}: a score is a whole number"
                )
            scores[key[6:]] = score
    try:
        return Answer(scores=scores, response_ms=response_ms)
    except ValidationError as exc:
        raise HTTPException(status_code=422, detail="too many or too long score fields") from exc
