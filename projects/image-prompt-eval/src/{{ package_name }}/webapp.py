"""The rating web app: server-rendered pages for raters, a JSON API, and an admin page.

Raters only ever see task positions in URLs, never item ids or system names, so
the study stays blind. Pages and API share one validation path.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from .config import Study
from .generate import Workspace
from .manifest import Manifest
from .plan import Task
from .store import Rater, RatingStore

Score = Annotated[int, Field(ge=1, le=5)]


class Answer(BaseModel):
    """A JSON answer: `scores` for a Likert screen, `choice` for a pairwise one."""

    scores: dict[str, Score] | None = None
    choice: Literal["left", "right", "tie"] | None = None
    response_ms: int | None = Field(default=None, ge=0)


@dataclass(frozen=True)
class AppState:
    """What every request needs, built once when the app starts."""

    study: Study
    store: RatingStore
    images: dict[str, Path]


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
        criteria = state.study.criterion_ids
        if unknown := sorted(set(answer.scores) - set(criteria)):
            raise AnswerError(f"unknown criterion '{unknown[0]}' (criteria: {', '.join(criteria)})")
        if missing := [c for c in criteria if c not in answer.scores]:
            raise AnswerError(f"missing a score for '{missing[0]}'")
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


def create_app(study: Study, workspace: Workspace) -> FastAPI:
    """Build the app for a study whose ratings database `serve` has set up."""
    store = RatingStore(workspace.ratings)
    records = Manifest(workspace.manifest).records()
    state = AppState(
        study=study,
        store=store,
        images={record.item_id: workspace.root / record.path for record in records},
    )
    templates = Jinja2Templates(directory=str(files(__package__) / "templates"))
    app = FastAPI(title=f"{study.name} rating", docs_url=None, redoc_url=None)

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

    def task_view(rater: Rater, task: Task) -> dict[str, Any]:
        base = f"/r/{rater.token}/tasks/{task.position}"
        view: dict[str, Any] = {
            "position": task.position,
            "kind": task.kind,
            "prompt": task.prompt_text,
        }
        if task.kind == "likert":
            view["image"] = f"{base}/image/main"
            view["criteria"] = [criterion.model_dump() for criterion in study.rating.criteria]
        else:
            view["left"] = f"{base}/image/left"
            view["right"] = f"{base}/image/right"
        return view

    def admin_guard(token: str) -> None:
        if token != store.meta("admin_token"):
            raise HTTPException(status_code=403, detail="unknown admin token")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "message": exc.detail},
            status_code=exc.status_code,
        )

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        return templates.TemplateResponse(request, "home.html", {"study": study.name})

    @app.get("/r/{token}", response_class=HTMLResponse)
    def rater_page(request: Request, token: str) -> Response:
        rater = rater_for(token)
        task, done, total = next_task(rater)
        context: dict[str, Any] = {
            "token": token,
            "done": done,
            "total": total,
            "study": study.name,
        }
        if task is None:
            return templates.TemplateResponse(request, "done.html", context)
        context["task"] = task_view(rater, task)
        page = "likert.html" if task.kind == "likert" else "pairwise.html"
        return templates.TemplateResponse(request, page, context)

    @app.post("/r/{token}/tasks/{position}")
    async def submit_form(request: Request, token: str, position: int) -> Response:
        rater = await run_in_threadpool(rater_for, token)
        task = await run_in_threadpool(task_for, rater, position)
        form = await request.form()
        answer = _answer_from_form(task, {key: str(value) for key, value in form.items()})
        try:
            await run_in_threadpool(save_answer, state, rater, task, answer)
        except AnswerError as exc:
            raise HTTPException(status_code=422, detail=exc.message) from exc
        return RedirectResponse(f"/r/{token}", status_code=303)

    @app.get("/r/{token}/tasks/{position}/image/{slot}")
    def image(token: str, position: int, slot: Literal["main", "left", "right"]) -> FileResponse:
        task = task_for(rater_for(token), position)
        item = {"main": task.item_id, "left": task.left_item, "right": task.right_item}[slot]
        if not item or item not in state.images:
            raise HTTPException(status_code=404, detail="no such image")
        # Served under the task's URL, never the item's, so the file name reveals nothing.
        return FileResponse(state.images[item], media_type="image/png")

    @app.get("/api/r/{token}/next")
    def api_next(token: str) -> dict[str, Any]:
        rater = rater_for(token)
        task, done, total = next_task(rater)
        return {"done": done, "total": total, "task": task_view(rater, task) if task else None}

    @app.post("/api/r/{token}/tasks/{position}")
    def api_submit(token: str, position: int, answer: Answer) -> dict[str, Any]:
        rater = rater_for(token)
        task = task_for(rater, position)
        try:
            stored = save_answer(state, rater, task, answer)
        except AnswerError as exc:
            raise HTTPException(status_code=422, detail=exc.message) from exc
        return {"stored": stored}

    @app.get("/admin", response_class=HTMLResponse)
    def admin(request: Request, token: Annotated[str, Query()] = "") -> Response:
        admin_guard(token)
        raters = {rater.rater_id: rater for rater in store.raters()}
        rows = [
            {"progress": progress, "link": f"/r/{raters[progress.rater_id].token}"}
            for progress in store.progress()
        ]
        return templates.TemplateResponse(
            request, "admin.html", {"study": study.name, "rows": rows}
        )

    @app.get("/api/admin/progress")
    def admin_progress(token: Annotated[str, Query()] = "") -> list[dict[str, Any]]:
        admin_guard(token)
        return [
            {"rater_id": p.rater_id, "done": p.done, "total": p.total, "last_answer": p.last_answer}
            for p in store.progress()
        ]

    return app


def _answer_from_form(task: Task, form: dict[str, str]) -> Answer:
    """Turn form fields into an Answer, with the same 422s the JSON API gives."""
    response_ms = int(form["response_ms"]) if form.get("response_ms", "").isdigit() else None
    if task.kind == "pairwise":
        choice = form.get("choice", "")
        if choice not in ("left", "right", "tie"):
            raise HTTPException(status_code=422, detail="choose left, right or tie")
        return Answer(choice=choice, response_ms=response_ms)  # type: ignore[arg-type]
    scores: dict[str, int] = {}
    for key, value in form.items():
        if key.startswith("score_"):
            if not value.isdigit() or not 1 <= int(value) <= 5:
                raise HTTPException(
                    status_code=422, detail=f"{key[6:]}: a score is a whole number 1-5"
                )
            scores[key[6:]] = int(value)
    return Answer(scores=scores, response_ms=response_ms)
