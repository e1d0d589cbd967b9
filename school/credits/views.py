"""Group credit for staff: the form, the preview (a dry run), confirming it, the batches, and
correcting an entry. Every page: secretaries, organisers and admins (viewers only read)."""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from school import uploads
from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.clock import local_today
from school.credits import services, sheet
from school.credits.models import KINDS, CreditBatch, kind_label
from school.credits.permissions import can_correct, can_credit, can_view_batch
from school.db import db
from school.images import ImageRejected, open_path, store_image
from school.orgs.models import Organisation
from school.orgs.permissions import manages
from school.spreadsheets import download

bp = Blueprint("credits", __name__, url_prefix="/manage/credits", template_folder="templates")
# The staff navigation shows 集体学习记录 only to those whom these views let in.
bp.add_app_template_global(can_credit)

# The sheet and the photo come in one request: the larger (a sheet's) limit caps it.
LIMIT = "ROSTER_MAX_MB"
IMAGE_LIMIT = "FORUM_IMAGE_MAX_MB"
STAGING = "credits-staging"
EVIDENCE = "credits"
WAYS = {
    "tick": "从名单中勾选",
    "branch": "整个支部",
    "numbers": "粘贴党员编号",
    "sheet": "上传签到表",
}
# The preview lists this many rows; the counts cover all of them.
SHOWN = 500


@bp.before_request
@login_required
def _staff_only():
    if not can_credit(current_user):
        abort(403)


def _form(values=None, error: str | None = None, status: int = 200):
    branches = services.branch_choices(current_user)
    picked = request.args.get("branch", type=int) or (values or {}).get("branch_id")
    branch = db.session.get(Organisation, int(picked)) if str(picked or "").isdigit() else None
    if branch is not None and not manages(current_user, branch):
        branch = None
    listed = services.members_of(current_user, branch) if branch is not None else []
    return render_template(
        "credits/form.html",
        kinds=[(k, kind_label(k)) for k in KINDS],
        ways=WAYS,
        branches=branches,
        branch=branch,
        listed=listed,
        values=values or {},
        ticked={int(i) for i in (values or {}).get("member_ids", []) if str(i).isdigit()},
        error=error,
        today=local_today(),
        max_mb=uploads.limit_mb(LIMIT),
        image_mb=uploads.limit_mb(IMAGE_LIMIT),
    ), status


@bp.get("/")
def index():
    return render_template("credits/index.html", batches=services.batches(current_user))


@bp.get("/new")
def new():
    return _form()


@bp.get("/template.csv")
def template_csv():
    return download(sheet.template_csv(), "attendance-template.csv", "text/csv")


def _values() -> dict:
    values = {key: request.form.get(key, "") for key in request.form}
    values["member_ids"] = request.form.getlist("member_ids")
    return values


def _study(values: dict) -> services.Study:
    try:
        held_on = date.fromisoformat(values.get("held_on", ""))
    except ValueError:
        held_on = None
    org_id = values.get("org_id", "")
    return services.check_study(
        current_user,
        kind=values.get("kind", ""),
        title=values.get("title", ""),
        held_on=held_on,
        hours=values.get("hours"),
        org_id=int(org_id) if org_id.isdigit() else None,
        note=values.get("note", ""),
        today=local_today(),
    )


def _choice(values: dict) -> dict:
    """Whom the form chose, as the preview stages it: member ids, or lines of numbers."""
    how = values.get("how", "")
    if how == "tick":
        ids = [int(i) for i in values["member_ids"] if i.isdigit()]
        if not ids:
            raise services.CreditError("请在名单中勾选党员（先选择支部，再勾选）。")
        return {"how": how, "member_ids": ids}
    if how == "branch":
        branch_id = values.get("branch_id", "")
        branch = db.session.get(Organisation, int(branch_id)) if branch_id.isdigit() else None
        if branch is None or not manages(current_user, branch):
            raise services.CreditError("请选择您管理的支部。")
        ids = [m.id for m in services.members_of(current_user, branch)]
        if not ids:
            raise services.CreditError(f"{branch.name}没有可记入的党员。")
        return {"how": how, "member_ids": ids}
    if how == "numbers":
        lines = [(n, no, "") for n, no in services.parse_numbers(values.get("numbers", ""))]
        if not lines:
            raise services.CreditError("请粘贴党员编号，每行一个，或用逗号、空格分开。")
        return {"how": how, "lines": lines}
    if how == "sheet":
        upload = request.files.get("sheet")
        if upload is None or not upload.filename:
            raise services.CreditError("请选择签到表文件（.xlsx 或 .csv）。")
        try:
            data = uploads.read_within(upload, LIMIT)
        except uploads.UploadTooLarge as exc:
            raise services.CreditError(str(exc)) from None
        lines = sheet.read_sheet(upload.filename, data)
        if not lines:
            raise services.CreditError("签到表中没有党员。")
        return {"how": how, "lines": lines}
    raise services.CreditError("请选择记入哪些党员。")


def _plan(staged: dict) -> services.Plan:
    study = _study(staged["study"])
    if "lines" in staged:
        source = "sheet" if staged["how"] == "sheet" else "paste"
        lines = [tuple(line) for line in staged["lines"]]
        return services.plan_numbers(current_user, study, lines, source)
    return services.plan_members(current_user, study, staged["member_ids"])


def _evidence() -> str | None:
    upload = request.files.get("evidence")
    if upload is None or not upload.filename:
        return None
    if uploads.is_too_large(upload, IMAGE_LIMIT):
        raise services.CreditError(f"凭证照片：{uploads.too_large_message(IMAGE_LIMIT)}")
    try:
        stored = store_image(
            upload.read(),
            upload.filename,
            uploads.folder(EVIDENCE),
            max_bytes=uploads.limit_bytes(IMAGE_LIMIT),
        )
    except ImageRejected as exc:
        raise services.CreditError(f"凭证照片：{exc}。") from None
    return stored.name


def _preview(plan: services.Plan, token: str, message: str | None = None):
    return render_template(
        "credits/preview.html",
        plan=plan,
        token=token,
        rows=plan.rows[:SHOWN],
        shown=SHOWN,
        message=message,
    )


@bp.post("/preview")
@uploads.accepts(LIMIT)
def preview():
    values = _values()
    try:
        study_fields = {
            k: values.get(k, "") for k in ("kind", "title", "held_on", "hours", "org_id", "note")
        }
        _study(study_fields)
        staged = {"study": study_fields, **_choice(values)}
        plan = _plan(staged)
        # Last, so a form refused for another reason stores no photo.
        staged["evidence"] = _evidence()
    except services.CreditError as exc:
        return _form(values, str(exc), 422)
    data = json.dumps(staged, ensure_ascii=False).encode()
    token = uploads.stage(uploads.folder(STAGING), current_user.id, "batch.json", data)
    return _preview(plan, token)


@bp.post("/confirm")
def confirm():
    token = request.form.get("token", "")
    stored = uploads.staged(uploads.folder(STAGING), current_user.id, token)
    if stored is None:
        return _form(error="预览已失效，请重新填写并预览。", status=410)
    staged = json.loads(stored[1])
    try:
        # Checked again: members, scope or the archive may have changed since the preview.
        plan = _plan(staged)
        outcome = services.credit(
            current_user, plan, request_key=token, evidence_name=staged.get("evidence")
        )
    except services.AlreadyConfirmed as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(url_for("credits.batch", batch_id=exc.batch_id))
    except services.CreditError as exc:
        db.session.rollback()
        try:
            return _preview(_plan(staged), token, str(exc)), 409
        except services.CreditError as again:  # the study itself is no longer valid
            return _form(error=str(again), status=409)
    db.session.commit()
    uploads.unstage(uploads.folder(STAGING), current_user.id, token)
    message = f"已记入 {outcome.batch.credited} 名党员的学时。"
    if outcome.raced:
        message += f"另有 {outcome.raced} 人刚刚已由他人记录了这次学习，没有重复记入。"
    flash(message, "success")
    return redirect(url_for("credits.batch", batch_id=outcome.batch.id))


def _load_batch(batch_id: int) -> CreditBatch:
    batch = db.session.get(CreditBatch, batch_id)
    if batch is None or not can_view_batch(current_user, batch):
        abort(404)
    return batch


@bp.get("/<int:batch_id>")
def batch(batch_id: int):
    found = _load_batch(batch_id)
    lines = services.batch_lines(found)
    return render_template(
        "credits/batch.html",
        batch=found,
        lines=lines,
        correctable={
            line.entry.id for line in lines if can_correct(current_user, line.entry, line.member)
        },
    )


@bp.get("/<int:batch_id>/evidence")
def evidence(batch_id: int):
    found = _load_batch(batch_id)
    path = open_path(uploads.folder(EVIDENCE), found.evidence_name or "")
    if path is None:
        abort(404)
    return send_file(path, max_age=0)


def _load_entry(entry_id: int) -> tuple[ArchiveEntry, User]:
    entry = db.session.get(ArchiveEntry, entry_id)
    member = db.session.get(User, entry.member_id) if entry is not None else None
    if entry is None or member is None or not can_correct(current_user, entry, member):
        abort(404)
    return entry, member


@bp.route("/entries/<int:entry_id>/correct", methods=["GET", "POST"])
def correct(entry_id: int):
    entry, member = _load_entry(entry_id)
    error = None
    if request.method == "POST":
        try:
            services.correct(current_user, entry, member, request.form.get("reason", ""))
        except services.CreditError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(f"已更正：{member.name}的“{entry.title}”不再计入学时。", "success")
            found = services.batch_of(entry)
            if found is not None:
                return redirect(url_for("credits.batch", batch_id=found.id))
            return redirect(url_for("archive.member", member_id=member.id))
    return render_template(
        "credits/correct.html",
        entry=entry,
        member=member,
        correction=services.archive.correction_of(entry),
        batch=services.batch_of(entry),
        error=error,
        reason=request.form.get("reason", ""),
    ), (422 if error else 200)
