"""网上党校: the application factory."""

from flask import Flask

from school import config as _config
from school import uploads as _uploads


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints in one list, errors, CLI."""
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = _uploads.UploadRequest
    app.config.from_mapping(_config.load(app.instance_path, test_config))

    from school import cli, errors, events, security, templating
    from school.accounts import activation as account_activation
    from school.accounts.views import bp as accounts_bp
    from school.appraisal import parts as appraisal_parts
    from school.appraisal.views import bp as appraisal_bp
    from school.archive import rollups
    from school.archive.links import entry_links as archive_links
    from school.archive.page import archive_page
    from school.archive.views import bp as archive_bp
    from school.auth.views import bp as auth_bp
    from school.auth.views import load_user, unauthorized
    from school.ballots import home as ballot_home
    from school.ballots import workbench as ballot_workbench
    from school.ballots.views import bp as ballots_bp
    from school.campaigns import home as campaign_home
    from school.campaigns import reminders as campaign_reminders
    from school.campaigns import workbench as campaign_workbench
    from school.campaigns.page import detail_page_parts as campaign_page
    from school.campaigns.views import bp as campaigns_bp
    from school.cards import services as card_services
    from school.cards.page import card_page
    from school.cards.views import bp as cards_bp
    from school.certificates import issuing as certificates
    from school.certificates import parts as certificate_parts
    from school.certificates.views import bp as certificates_bp
    from school.classes import member_list as class_member_list
    from school.classes import services as class_services
    from school.classes.page import staff_page_parts as class_page
    from school.classes.views import bp as classes_bp
    from school.courses import requirements as course_requirements
    from school.courses.home import home_page
    from school.courses.page import course_page
    from school.courses.views import bp as courses_bp
    from school.credits import links as credit_links
    from school.credits.views import bp as credits_bp
    from school.extensions import csrf, db, limiter, login_manager
    from school.forum import dashboard as forum_dashboard
    from school.forum import home as forum_home
    from school.forum import services as forum_services
    from school.forum import workbench as forum_workbench
    from school.forum.views import bp as forum_bp
    from school.honours import evidence as honour_evidence
    from school.honours import parts as honour_parts
    from school.honours.views import bp as honours_bp
    from school.members import flows as member_flows
    from school.members import transfers as member_transfers
    from school.members.list_actions import member_list
    from school.members.page import member_page, profile_page
    from school.members.profile_views import bp as profile_bp
    from school.members.roster_views import bp as roster_bp
    from school.members.transfer_views import bp as transfers_bp
    from school.members.views import bp as members_bp
    from school.notices import reads as notice_reads
    from school.notices import workbench as notice_workbench
    from school.notices.views import bp as notices_bp
    from school.notifications.views import bp as notifications_bp
    from school.offline import bp as offline_bp
    from school.orgs.picker_views import bp as org_picker_bp
    from school.orgs.views import bp as orgs_bp
    from school.points import parts as points_parts
    from school.points import subscribers as points
    from school.points.views import bp as points_bp
    from school.practice import services as practice
    from school.practice.views import bp as practice_bp
    from school.projects import parts as project_parts
    from school.projects.views import bp as projects_bp
    from school.quizzes import archive_links as quiz_archive_links
    from school.quizzes import course_hooks as quiz_hooks
    from school.quizzes import dashboard as quiz_dashboard
    from school.quizzes.manage_views import bp as quiz_manage_bp
    from school.quizzes.views import bp as quizzes_bp
    from school.reports import overdue as reports_overdue
    from school.reports import workbench as reports_workbench
    from school.reports.followup_views import bp as followup_bp
    from school.reports.views import bp as reports_bp
    from school.search import hooks as search_hooks
    from school.search import service as search_service
    from school.search.views import bp as search_bp
    from school.studio import review as studio_review
    from school.studio.dashboard import dashboard_page
    from school.studio.export_views import bp as studio_export_bp
    from school.studio.file_views import bp as studio_files_bp
    from school.studio.review_views import bp as studio_review_bp
    from school.studio.views import bp as studio_bp
    from school.targets import evidence as target_evidence
    from school.targets import workbench as target_workbench
    from school.targets.views import bp as targets_bp
    from school.workbench.page import workbench_page
    from school.workbench.views import bp as workbench_bp

    db.init_app(app)
    search_hooks.register(app)
    # A view that takes an upload reads a larger body than the rest: set before CSRF reads it.
    app.before_request(_uploads.set_request_limit)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)

    for blueprint in (
        auth_bp,
        courses_bp,
        quizzes_bp,
        quiz_manage_bp,
        forum_bp,
        archive_bp,
        orgs_bp,
        org_picker_bp,
        members_bp,
        accounts_bp,
        profile_bp,
        roster_bp,
        transfers_bp,
        cards_bp,
        reports_bp,
        followup_bp,
        notifications_bp,
        notices_bp,
        search_bp,
        studio_export_bp,
        offline_bp,
        studio_bp,
        studio_review_bp,
        studio_files_bp,
        credits_bp,
        campaigns_bp,
        classes_bp,
        certificates_bp,
        targets_bp,
        honours_bp,
        ballots_bp,
        practice_bp,
        appraisal_bp,
        projects_bp,
        points_bp,
        workbench_bp,
    ):
        app.register_blueprint(blueprint)

    # The seams between features, in one place. A lower feature never imports a higher one: it
    # sends a named event (school/events.py) that higher features subscribe to here, or offers a
    # registry that they fill here. Registering again (one app per test) changes nothing.
    course_requirements.register("exams", quiz_hooks.RequiredExams())
    course_page.register("quizzes", quiz_hooks.course_part)
    archive_links.register("quiz", quiz_archive_links.result_link)
    archive_links.register("offline", credit_links.correct_link)
    course_page.register("faq", forum_services.course_part)
    home_page.register("quizzes", quiz_hooks.home_part)
    home_page.register("replies", forum_home.home_part)
    home_page.register("notices", notice_reads.home_part)
    home_page.register("campaigns", campaign_home.home_part)
    home_page.register("classes", class_services.home_part)
    home_page.register("ballots", ballot_home.home_part)
    # Daily practice: today's questions done or not, and the streak (not 学时).
    home_page.register("practice", practice.home_part)
    dashboard_page.register("questions", forum_dashboard.dashboard_part)
    dashboard_page.register("quizzes", quiz_dashboard.dashboard_part)
    # The staff workbench: what waits for a secretary or committee, most pressing first.
    workbench_page.register("boards", forum_workbench.workbench_part)
    workbench_page.register("transfers", member_transfers.workbench_part)
    workbench_page.register("overdue", reports_workbench.workbench_part)
    workbench_page.register("campaigns", campaign_workbench.workbench_part)
    workbench_page.register("ballots", ballot_workbench.workbench_part)
    workbench_page.register("essays", quiz_dashboard.dashboard_part)
    workbench_page.register("notices", notice_workbench.workbench_part)
    workbench_page.register("accounts", account_activation.workbench_part)
    workbench_page.register("targets", target_workbench.workbench_part)
    member_page.register("card", card_services.member_page_part)
    member_list.register("classes", class_member_list.member_list_part)
    events.org_merged.connect(member_flows.record_merge)
    # Report rollups follow member edits through the session, and the merge's bulk UPDATE here.
    rollups.register()
    events.org_merged.connect(rollups.on_org_merged)
    events.quiz_changed.connect(studio_review.on_quiz_changed)
    # Certificates follow completions: a course, a class's attendance, a campaign finished.
    events.course_completed.connect(certificates.on_course_completed)
    events.session_attended.connect(certificates.on_session_attended)
    events.campaign_launched.connect(certificates.on_campaign_launched)
    for study in (
        events.lesson_completed,
        events.course_completed,
        events.attempt_graded,
        events.offline_study_recorded,
    ):
        study.connect(certificates.on_study)
    events.group_study_recorded.connect(certificates.on_group_study)
    archive_page.register("certificates", certificate_parts.archive_part)
    class_page.register("certificates", certificate_parts.class_part)
    campaign_page.register("certificates", certificate_parts.campaign_part)
    # Commendation: honours on the archive and the card (not 学时), its counts on the workbench,
    # and the evidence beside a nomination, which targets and appraisals may add to.
    archive_page.register("honours", honour_parts.archive_part)
    card_page.register("honours", honour_parts.card_part)
    workbench_page.register("honours", honour_parts.workbench_part)
    honour_evidence.nomination_evidence.register("archive", honour_evidence.archive_part)
    honour_evidence.nomination_evidence.register("targets", target_evidence.nomination_part)
    # Democratic appraisal: grades on the archive (not 学时) and beside a nomination, rounds
    # waiting for grades on the workbench, an open round to vote in on the member's home.
    archive_page.register("appraisals", appraisal_parts.archive_part)
    honour_evidence.nomination_evidence.register("appraisal", appraisal_parts.evidence_part)
    workbench_page.register("appraisals", appraisal_parts.workbench_part)
    home_page.register("appraisals", appraisal_parts.home_part)
    # Hometown projects: interest nobody has followed up yet waits on the publishers' workbench.
    workbench_page.register("projects", project_parts.workbench_part)
    # Points (积分, not 学时): each action that earns them is an event; the ranking setting sits
    # on the member's own profile page.
    events.lesson_completed.connect(points.on_lesson_completed)
    events.course_completed.connect(points.on_course_completed)
    events.attempt_graded.connect(points.on_attempt_graded)
    events.daily_practice_completed.connect(points.on_daily_practice_completed)
    events.session_attended.connect(points.on_session_attended)
    events.answer_accepted.connect(points.on_answer_accepted)
    events.notice_read.connect(points.on_notice_read)
    events.honour_published.connect(points.on_honour_published)
    events.honour_revoked.connect(points.on_honour_revoked)
    profile_page.register("points", points_parts.profile_part)
    # Campaign reminders keep the overdue list's one-a-week rule: the reports lend it.
    campaign_reminders.ledger.register(
        reports_overdue.recently_reminded, reports_overdue.record_reminder
    )

    errors.register(app)
    templating.register(app)
    security.register(app)
    cli.register(app)
    # jieba's dictionary loads as a web worker starts, not inside its first request.
    search_service.warm(app)
    return app
