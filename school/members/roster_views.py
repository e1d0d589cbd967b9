"""Roster import for staff: template, dry run and preview, then apply."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from school import uploads
from school.clock import local_today
from school.db import db
from school.members import roster, roster_files, roster_sheet
from school.members.permissions import can_import_roster
from school.orgs.permissions import managed_orgs
from school.spreadsheets import download

bp = Blueprint("roster", __name__, url_prefix="/manage/roster", template_folder="templates")
# The staff navigation shows 名册导入 only to those whom these views let in.
bp.add_app_template_global(can_import_roster)

# The preview page lists this many errors and this many changes; the counts cover all of them.
SHOWN = 200
LIMIT = "ROSTER_MAX_MB"
# Uploads wait under UPLOAD_DIR/roster between the preview and the apply.
STAGING = "roster"


@bp.before_request
@login_required
def _importers_only():
    if not can_import_roster(current_user):
        abort(403)


def _form(error: str | None = None):
    return render_template(
        "members/roster_index.html",
        columns=roster_sheet.COLUMNS,
        max_rows=roster_sheet.MAX_ROWS,
        max_mb=uploads.limit_mb(LIMIT),
        max_bytes=uploads.limit_bytes(LIMIT),
        too_large=uploads.too_large_message(LIMIT),
        error=error,
        orgs=managed_orgs(current_user),
    )


def _preview(plan: roster.Plan, token: str, filename: str, message: str | None = None):
    return render_template(
        "members/roster_preview.html",
        plan=plan,
        token=token,
        filename=filename,
        problems=plan.problems[:SHOWN],
        changes=plan.changed_rows[:SHOWN],
        shown=SHOWN,
        message=message,
    )


@bp.get("/")
def index():
    return _form()


@bp.get("/template.xlsx")
def template_xlsx():
    return download(roster_files.template_xlsx(), "roster-template.xlsx")


@bp.get("/template.csv")
def template_csv():
    # Werkzeug adds "; charset=utf-8" to text/* itself: naming it here would send it twice.
    return download(roster_files.template_csv(), "roster-template.csv", "text/csv")


@bp.post("/preview")
@uploads.accepts(LIMIT)
def preview():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _form("请选择要导入的名册文件（.xlsx 或 .csv）。")
    try:
        data = uploads.read_within(upload, LIMIT)
        sheet = roster_sheet.read_file(upload.filename, data)
    except (uploads.UploadTooLarge, roster_sheet.RosterFileError) as error:
        return _form(str(error))
    plan = roster.plan_import(current_user, sheet, local_today())
    token = uploads.stage(uploads.folder(STAGING), current_user.id, upload.filename, data)
    return _preview(plan, token, upload.filename)


@bp.post("/apply")
def apply():
    token = request.form.get("token", "")
    stored = uploads.staged(uploads.folder(STAGING), current_user.id, token)
    if stored is None:
        return _form("预览已失效，请重新上传文件。")
    filename, data = stored
    only_good = request.form.get("only_good_rows") == "1"
    try:
        sheet = roster_sheet.read_file(filename, data)
    except roster_sheet.RosterFileError as error:
        return _form(str(error))
    # Checked again: members or organisations may have changed since the preview.
    plan = roster.plan_import(current_user, sheet, local_today())
    if plan.problems and not only_good:
        message = "文件中有错误，没有导入任何数据。请改正后重新上传，或勾选“只导入没有错误的行”。"
        return _preview(plan, token, filename, message)
    try:
        result = roster.apply_import(current_user, plan, local_today())
        db.session.commit()
    except IntegrityError:
        # Someone imported the same numbers at the same moment; nothing of this apply was kept.
        db.session.rollback()
        message = "刚才有人同时导入了相同的党员，本次没有导入任何数据；请再次确认导入。"
        return _preview(
            roster.plan_import(current_user, sheet, local_today()), token, filename, message
        )
    return render_template("members/roster_result.html", result=result, filename=filename)
