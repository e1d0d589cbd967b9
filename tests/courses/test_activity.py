"""Study heartbeats: the server sums active time itself, ignores forged heartbeats, checks watched
video ranges and keeps where the member stopped (school/courses/activity.py)."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.courses import activity, services
from school.courses.activity import Beat
from school.courses.models import Lesson, LessonCompletion, LessonStudy
from school.db import db, utcnow
from tests.factories import make_course


def _lesson(slug: str = "one", course: str = "rules") -> Lesson:
    return services.get_lesson(services.get_course(course), slug)


def _member(world, who: str = "member") -> User:
    return db.session.get(User, getattr(world, who))


class Page:
    """One opening of a lesson page: its view token and the heartbeats it sends."""

    def __init__(self, member: User, lesson: Lesson, opened):
        self.member, self.lesson, self.opened = member, lesson, opened
        self.view = activity.issue_view(member, lesson, opened)
        self.seq = 0

    def beat(self, at: float, seq: int | None = None, **fields) -> activity.BeatResult:
        """A heartbeat ``at`` seconds after the page was opened."""
        if seq is None:
            self.seq += 1
            seq = self.seq
        beat = Beat(view=fields.pop("view", self.view), seq=seq, **fields)
        return activity.heartbeat(
            self.member, self.lesson, beat, now=self.opened + timedelta(seconds=at)
        )


def _study(member: User, lesson: Lesson) -> LessonStudy | None:
    return activity.study_of(member, lesson)


def _rows() -> int:
    return db.session.scalar(select(func.count(LessonStudy.id)))


# --- active time -------------------------------------------------------------------------------


def test_heartbeats_add_up_to_the_active_time_in_one_row(app, world):
    with app.app_context():
        page = Page(_member(world), _lesson(), utcnow())
        results = [page.beat(15 * n) for n in range(1, 5)]
        assert [r.credited for r in results] == [15, 15, 15, 15]
        assert all(r.accepted for r in results)
        assert _study(page.member, page.lesson).active_seconds == 60
        # One row per member and lesson, updated in place: no row per heartbeat.
        assert _rows() == 1


def test_one_heartbeat_credits_at_most_an_interval_and_a_tolerance(app, world):
    with app.app_context():
        page = Page(_member(world), _lesson(), utcnow())
        page.beat(15)
        # The phone was locked for five minutes: the next heartbeat earns at most CAP seconds.
        result = page.beat(15 + 300)
        assert result.accepted and result.credited == activity.CAP
        assert _study(page.member, page.lesson).active_seconds == 15 + activity.CAP


def test_completion_is_refused_until_the_active_time_reaches_the_minimum(app, world):
    with app.app_context():
        make_course("slow", lessons=[("long", 1, True)], min_seconds=60)
        member, lesson = _member(world), _lesson("long", "slow")
        page = Page(member, lesson, utcnow() - timedelta(hours=1))
        page.beat(15)
        page.beat(30)
        # An hour since the page was opened, but only 30 s of it active: refused, nothing kept.
        with pytest.raises(services.StudyTimeTooShort) as refused:
            services.complete_lesson(member, lesson)
        assert refused.value.remaining_seconds == 30
        assert db.session.scalar(select(func.count(LessonCompletion.id))) == 0
        assert db.session.scalar(select(func.count(ArchiveEntry.id))) == 0
        page.beat(45)
        page.beat(60)
        assert services.complete_lesson(member, lesson).newly_done


def test_the_site_wide_minimum_applies_to_lessons_without_their_own(app, world):
    app.config["MIN_STUDY_SECONDS"] = 30
    with app.app_context():
        member, lesson = _member(world), _lesson()
        with pytest.raises(services.StudyTimeTooShort) as refused:
            services.complete_lesson(member, lesson)
        assert refused.value.remaining_seconds == 30
        page = Page(member, lesson, utcnow() - timedelta(minutes=1))
        page.beat(15)
        page.beat(30)
        assert services.complete_lesson(member, lesson).newly_done


# --- forged heartbeats -------------------------------------------------------------------------


def test_heartbeats_too_close_together_are_ignored(app, world):
    with app.app_context():
        page = Page(_member(world), _lesson(), utcnow())
        # Sooner than MIN_GAP after the page was opened, then after the previous heartbeat.
        assert page.beat(activity.MIN_GAP - 1).reason == "too_soon"
        assert page.beat(15).accepted
        for at in (16, 20, 15 + activity.MIN_GAP - 1):
            result = page.beat(at)
            assert (result.accepted, result.reason, result.credited) == (False, "too_soon", 0)
        assert _study(page.member, page.lesson).active_seconds == 15


def test_replayed_and_out_of_order_heartbeats_are_ignored(app, world):
    with app.app_context():
        page = Page(_member(world), _lesson(), utcnow())
        assert page.beat(15, seq=5).accepted
        assert page.beat(30, seq=5).reason == "seq"  # the same request again
        assert page.beat(45, seq=3).reason == "seq"  # an older one arriving late
        assert _study(page.member, page.lesson).active_seconds == 15
        assert page.beat(60, seq=6).credited == activity.CAP


def test_heartbeats_without_a_view_of_this_lesson_by_this_member_are_ignored(app, world):
    with app.app_context():
        member, lesson, now = _member(world), _lesson(), utcnow()
        other_lesson = Page(member, _lesson("two"), now).view
        other_member = Page(_member(world, "other_member"), lesson, now).view
        page = Page(member, lesson, now)
        forged = [other_lesson, other_member, page.view[:-2] + "xx", "not-a-token", ""]
        for view in forged:
            result = page.beat(15, view=view)
            assert (result.accepted, result.reason) == (False, "view"), view
        # A page left open longer than VIEW_MAX_AGE must be reloaded.
        late = VIEW_MAX_AGE_SECONDS + 1
        assert page.beat(late).reason == "view"
        assert _study(member, lesson) is None and _rows() == 0


VIEW_MAX_AGE_SECONDS = int(activity.VIEW_MAX_AGE.total_seconds())


def test_heartbeats_after_completion_are_ignored(app, world):
    with app.app_context():
        member, lesson = _member(world), _lesson()
        page = Page(member, lesson, utcnow() - timedelta(minutes=5))
        page.beat(15)
        services.complete_lesson(member, lesson)
        result = page.beat(30)
        assert (result.accepted, result.reason) == (False, "done")
        assert _study(member, lesson).active_seconds == 15


def test_a_newer_view_of_the_same_lesson_wins(app, world):
    with app.app_context():
        member, lesson, now = _member(world), _lesson(), utcnow()
        phone = Page(member, lesson, now)
        tablet = Page(member, lesson, now + timedelta(seconds=5))
        assert phone.beat(15).accepted
        assert tablet.beat(15).accepted  # 20 s after the phone's page was opened
        # The phone's page is older than the tablet's, which has beaten: it earns nothing more.
        result = phone.beat(30)
        assert (result.accepted, result.reason) == (False, "superseded")
        # The tablet's first heartbeat earned only the time after the phone's last one.
        assert _study(member, lesson).active_seconds == 15 + 5


def test_two_lessons_in_two_tabs_share_the_time_and_the_overlap_is_kept(app, world):
    with app.app_context():
        member, now = _member(world), utcnow()
        one = Page(member, _lesson("one"), now)
        two = Page(member, _lesson("two"), now)
        for at in (15, 30, 45, 60):
            one.beat(at)
            two.beat(at + 7)
        studies = [_study(member, _lesson(slug)) for slug in ("one", "two")]
        # Two tabs for 67 seconds earn 67 seconds between them, not twice as much.
        assert sum(s.active_seconds for s in studies) == 67
        assert all(s.overlap_seconds > 0 for s in studies)
        # A tab alone earns its time with no overlap.
        alone = Page(member, _lesson("extra"), now + timedelta(minutes=10))
        alone.beat(15)
        assert _study(member, _lesson("extra")).overlap_seconds == 0


def test_malformed_heartbeats_are_bad_input():
    good = {"view": "v", "seq": "1"}
    assert activity.parse_beat({**good, "scroll": "0.5", "ranges": "0-12.5,20-21"}) == Beat(
        view="v", seq=1, scroll=0.5, ranges=((0.0, 12.5), (20.0, 21.0))
    )
    bad = [
        {},
        {"view": "v"},
        {**good, "seq": "0"},
        {**good, "seq": "1.5"},
        {**good, "seq": "x"},
        {**good, "scroll": "1.5"},
        {**good, "scroll": "nan"},
        {**good, "video_time": "-1"},
        {**good, "ranges": "5-2"},
        {**good, "ranges": "a-b"},
        {**good, "ranges": ",".join(["0-1"] * (activity.MAX_RANGES + 1))},
    ]
    for fields in bad:
        with pytest.raises(activity.BadBeat):
            activity.parse_beat(fields)


# --- video -------------------------------------------------------------------------------------


def _video_lesson() -> Lesson:
    course = make_course("film", lessons=[("clip", 1, True)], min_seconds=0)
    lesson = course.lessons[0]
    lesson.kind, lesson.media_name, lesson.media_type = "video", "clip.webm", "video/webm"
    db.session.flush()
    return lesson


def test_a_video_counts_once_ninety_percent_was_played(app, world):
    with app.app_context():
        member, lesson = _member(world), _video_lesson()
        page = Page(member, lesson, utcnow())
        page.beat(15, duration=60.0, video_time=15.0, ranges=((0.0, 15.0),))
        page.beat(30, duration=60.0, video_time=30.0, ranges=((15.0, 30.0),))
        page.beat(45, duration=60.0, video_time=45.0, ranges=((30.0, 45.0),))
        with pytest.raises(services.VideoNotWatched) as refused:
            services.complete_lesson(member, lesson)
        assert refused.value.percent == 75
        result = page.beat(55, video_time=54.0, ranges=((45.0, 54.0),))
        assert result.accepted and not result.ranges_refused
        assert result.watched_share == pytest.approx(0.9)
        assert services.complete_lesson(member, lesson).newly_done


def test_seeking_ahead_does_not_count_as_watching(app, world):
    with app.app_context():
        member, lesson = _member(world), _video_lesson()
        page = Page(member, lesson, utcnow())
        page.beat(15, duration=60.0, ranges=((0.0, 15.0),))
        # 15 seconds later the page claims 45 seconds of video: a seek, not watching.
        result = page.beat(30, ranges=((15.0, 60.0),))
        assert result.accepted and result.ranges_refused
        assert _study(member, lesson).watched == [[0.0, 15.0]]
        # Ranges outside the video are refused too.
        assert page.beat(45, ranges=((70.0, 80.0),)).ranges_refused
        with pytest.raises(services.VideoNotWatched):
            services.complete_lesson(member, lesson)


def test_replayed_ranges_merge_and_the_duration_cannot_shrink(app, world):
    with app.app_context():
        member, lesson = _member(world), _video_lesson()
        page = Page(member, lesson, utcnow())
        page.beat(15, duration=60.0, ranges=((0.0, 10.0),))
        page.beat(30, duration=10.0, ranges=((5.0, 15.0),))  # overlaps; a shorter "duration"
        study = _study(member, lesson)
        assert study.video_duration == 60.0
        assert study.watched == [[0.0, 15.0]] and study.watched_seconds == 15.0
        # Watching the same part again adds nothing.
        page.beat(45, ranges=((0.0, 15.0),))
        assert _study(member, lesson).watched_seconds == 15.0


DEMO_VIDEO = (
    Path(__file__).resolve().parents[2] / "content" / "honour-and-shame" / "bottom-line.webm"
)


def _with_demo_video(app, lesson: Lesson) -> None:
    """Give the lesson the demo's six-second WebM as its file."""
    media = Path(app.config["MEDIA_DIR"])
    media.mkdir(parents=True, exist_ok=True)
    lesson.media_name = f"clip-{lesson.id}.webm"
    shutil.copyfile(DEMO_VIDEO, media / lesson.media_name)
    db.session.flush()


def test_a_page_cannot_shorten_a_video_whose_file_states_its_length(app, world):
    with app.app_context():
        member, lesson = _member(world), _video_lesson()
        _with_demo_video(app, lesson)
        page = Page(member, lesson, utcnow())
        # A forged page says the six-second video lasts one second, and that it played it all.
        result = page.beat(15, duration=1.0, video_time=1.0, ranges=((0.0, 1.0),))
        assert result.accepted and result.watched_share == pytest.approx(1 / 6)
        assert _study(member, lesson).video_duration == 6.0
        with pytest.raises(services.VideoNotWatched) as refused:
            services.complete_lesson(member, lesson)
        assert refused.value.percent == 16
        # Watched through, it counts.
        assert page.beat(30, ranges=((1.0, 6.0),)).watched_share == 1.0
        assert services.complete_lesson(member, lesson).newly_done


def test_completion_measures_against_the_files_length_not_a_length_kept_before(app, world):
    with app.app_context():
        member, lesson = _member(world), _video_lesson()
        page = Page(member, lesson, utcnow())
        # Reported before the file could be read: "one second", all of it played.
        assert page.beat(15, duration=1.0, ranges=((0.0, 1.0),)).watched_share == 1.0
        _with_demo_video(app, lesson)
        with pytest.raises(services.VideoNotWatched):
            services.complete_lesson(member, lesson)


def test_a_duration_out_of_bounds_is_not_taken(app, world):
    with app.app_context():
        member, lesson = _member(world), _video_lesson()
        page = Page(member, lesson, utcnow())
        result = page.beat(15, duration=0.2, ranges=((0.0, 0.2),))
        assert result.ranges_refused and _study(member, lesson).video_duration is None


# --- resume ------------------------------------------------------------------------------------


def test_the_latest_position_is_kept_for_any_device(app, world):
    with app.app_context():
        member, now = _member(world), utcnow()
        page = Page(member, _lesson(), now)
        page.beat(15, scroll=0.25)
        page.beat(30, scroll=0.6)
        page.beat(35, scroll=0.9)  # too soon: ignored, position too
        assert _study(member, _lesson()).scroll == 0.6
        video = _video_lesson()
        clip = Page(member, video, now + timedelta(minutes=1))
        clip.beat(15, duration=60.0, video_time=14.5, ranges=((0.0, 14.5),))
        clip.beat(30, video_time=99.0)  # past the end: kept at the end
        assert _study(member, video).video_time == 60.0
