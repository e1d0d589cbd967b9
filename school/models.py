"""Every model, imported in one place so Alembic and the app see the whole schema."""

from school.appraisal.models import (
    AppraisalGrade,
    AppraisalParticipant,
    AppraisalRound,
    SelfAppraisal,
)
from school.archive.models import ArchiveAccess, ArchiveEntry, CourseProgress, YearProgress
from school.auth.models import LoginSession, User
from school.ballots.models import (
    BallotBox,
    BallotMark,
    BallotVoter,
    Candidate,
    Recommendation,
    RecommendationLog,
    RecommendationTarget,
)
from school.campaigns.models import Campaign, CampaignItem, CampaignTarget
from school.cards.models import MemberCard
from school.certificates.models import Certificate
from school.classes.models import Attendance, ClassSession, Enrolment, TrainingClass
from school.courses.models import (
    Course,
    CourseCompletion,
    Lesson,
    LessonCompletion,
    LessonStudy,
    Module,
    Theme,
)
from school.credits.models import CreditBatch, CreditBatchMember
from school.forum.models import AbuseReport, Attachment, Post, Revision, Thread, ThreadEvent
from school.honours.models import Cosign, Honour, HonourRound, Nomination, NominationStep, Objection
from school.members.models import FlowEvent, ManagementNote, Transfer
from school.notices.models import Notice, NoticeFile, NoticeMute, NoticeRead, NoticeReminder
from school.notifications.models import Notification
from school.orgs.models import AuditEntry, Organisation, StaffGrant
from school.points.models import PointDay, PointEntry, PointRule, PointSetting, PointYear
from school.practice.models import (
    PracticeCategory,
    PracticeCompletion,
    PracticeDraw,
    PracticeItem,
    PracticeStreak,
)
from school.projects.models import (
    Project,
    ProjectFollowUp,
    ProjectInterest,
    ProjectReferral,
    ProjectStatusChange,
)
from school.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Category,
    Question,
    QuestionVersion,
    Quiz,
    QuizSlot,
    Tag,
)
from school.reports.models import Bulletin, Reminder, ReminderBatch, ReminderDelivery
from school.search.models import SearchDocument, SearchOutbox
from school.studio.files import CourseFile
from school.studio.models import ContentRevision, Review, ReviewerGrant
from school.targets.models import SelfReport, TargetIndicator, TargetScheme, TargetScore

__all__ = [
    "AbuseReport",
    "AppraisalGrade",
    "AppraisalParticipant",
    "AppraisalRound",
    "ArchiveAccess",
    "ArchiveEntry",
    "Attachment",
    "Attempt",
    "AttemptQuestion",
    "Attendance",
    "AuditEntry",
    "BallotBox",
    "BallotMark",
    "BallotVoter",
    "Bulletin",
    "Campaign",
    "CampaignItem",
    "CampaignTarget",
    "Candidate",
    "Category",
    "Certificate",
    "ClassSession",
    "ContentRevision",
    "Cosign",
    "Course",
    "CourseCompletion",
    "CourseFile",
    "CourseProgress",
    "CreditBatch",
    "CreditBatchMember",
    "Enrolment",
    "FlowEvent",
    "Honour",
    "HonourRound",
    "Lesson",
    "LessonCompletion",
    "LessonStudy",
    "LoginSession",
    "ManagementNote",
    "MemberCard",
    "Module",
    "Nomination",
    "NominationStep",
    "Notice",
    "NoticeFile",
    "NoticeMute",
    "NoticeRead",
    "NoticeReminder",
    "Notification",
    "Objection",
    "Organisation",
    "PointDay",
    "PointEntry",
    "PointRule",
    "PointSetting",
    "PointYear",
    "Post",
    "PracticeCategory",
    "PracticeCompletion",
    "PracticeDraw",
    "PracticeItem",
    "PracticeStreak",
    "Project",
    "ProjectFollowUp",
    "ProjectInterest",
    "ProjectReferral",
    "ProjectStatusChange",
    "Question",
    "QuestionVersion",
    "Quiz",
    "QuizSlot",
    "Recommendation",
    "RecommendationLog",
    "RecommendationTarget",
    "Reminder",
    "ReminderBatch",
    "ReminderDelivery",
    "Review",
    "ReviewerGrant",
    "Revision",
    "SearchDocument",
    "SearchOutbox",
    "SelfAppraisal",
    "SelfReport",
    "StaffGrant",
    "Tag",
    "TargetIndicator",
    "TargetScheme",
    "TargetScore",
    "Theme",
    "Thread",
    "ThreadEvent",
    "TrainingClass",
    "Transfer",
    "User",
    "YearProgress",
]
