"""Member registry, member cards, audit log and precomputed report progress.

Revision ID: 5d17c84d11be
Revises: 51f860ff158d
Create Date: 2026-11-26 15:24:08.937783
"""

import os
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import school.db


revision = '5d17c84d11be'
down_revision = '51f860ff158d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bulletins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('host_org_id', sa.Integer(), nullable=False),
    sa.Column('home_org_id', sa.Integer(), nullable=False),
    sa.Column('period_label', sa.String(length=40), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', school.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', school.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['home_org_id'], ['organisations.id'], name=op.f('fk_bulletins_home_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['host_org_id'], ['organisations.id'], name=op.f('fk_bulletins_host_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_bulletins_sent_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletins')),
    sa.UniqueConstraint('host_org_id', 'home_org_id', 'period_start', 'period_end', name=op.f('uq_bulletins_host_org_id_home_org_id_period_start_period_end'))
    )
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletins_home_org_id'), ['home_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bulletins_host_org_id'), ['host_org_id'], unique=False)

    op.create_table('course_progress',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('lessons_done', sa.Integer(), nullable=False),
    sa.Column('started_at', school.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', school.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_course_progress_member_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('member_id', 'course_id', name=op.f('pk_course_progress'))
    )
    with op.batch_alter_table('course_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_progress_course_id'), ['course_id'], unique=False)

    op.create_table('flow_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('from_org_id', sa.Integer(), nullable=True),
    sa.Column('to_org_id', sa.Integer(), nullable=True),
    sa.Column('city', sa.String(length=50), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', school.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('flow_out', 'arrive', 'change_host', 'return', 'transfer')", name=op.f('ck_flow_events_kind')),
    sa.ForeignKeyConstraint(['from_org_id'], ['organisations.id'], name=op.f('fk_flow_events_from_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_flow_events_member_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_flow_events_recorded_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['to_org_id'], ['organisations.id'], name=op.f('fk_flow_events_to_org_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_events'))
    )
    with op.batch_alter_table('flow_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flow_events_member_id'), ['member_id'], unique=False)

    op.create_table('management_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', school.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_management_notes_member_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_management_notes_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_management_notes_recorded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_management_notes'))
    )
    with op.batch_alter_table('management_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_management_notes_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_management_notes_org_id'), ['org_id'], unique=False)

    op.create_table('member_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=32), nullable=False),
    sa.Column('issued_at', school.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', school.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', school.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_member_cards_member_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_member_cards_revoked_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_cards')),
    sa.UniqueConstraint('serial', name=op.f('uq_member_cards_serial'))
    )
    with op.batch_alter_table('member_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_cards_member_id'), ['member_id'], unique=False)
        batch_op.create_index('uq_member_cards_current', ['member_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('org_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('created_at', school.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_org_audit_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_org_audit_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_org_audit_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_audit'))
    )
    with op.batch_alter_table('org_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_audit_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_audit_org_id'), ['org_id'], unique=False)

    op.create_table('study_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('sent_at', school.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_study_reminders_member_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_study_reminders_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_study_reminders_sent_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_reminders'))
    )
    with op.batch_alter_table('study_reminders', schema=None) as batch_op:
        batch_op.create_index('ix_study_reminders_member_sent', ['member_id', 'sent_at'], unique=False)

    op.create_table('year_progress',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('hours', school.db.Hours(), nullable=False),
    sa.Column('m1', school.db.Hours(), nullable=False),
    sa.Column('m2', school.db.Hours(), nullable=False),
    sa.Column('m3', school.db.Hours(), nullable=False),
    sa.Column('m4', school.db.Hours(), nullable=False),
    sa.Column('m5', school.db.Hours(), nullable=False),
    sa.Column('m6', school.db.Hours(), nullable=False),
    sa.Column('m7', school.db.Hours(), nullable=False),
    sa.Column('m8', school.db.Hours(), nullable=False),
    sa.Column('m9', school.db.Hours(), nullable=False),
    sa.Column('m10', school.db.Hours(), nullable=False),
    sa.Column('m11', school.db.Hours(), nullable=False),
    sa.Column('m12', school.db.Hours(), nullable=False),
    sa.Column('courses_completed', sa.Integer(), nullable=False),
    sa.Column('last_activity_at', school.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_year_progress_member_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('member_id', 'year', name=op.f('pk_year_progress'))
    )
    with op.batch_alter_table('year_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_year_progress_year'), ['year'], unique=False)

    # Plain ALTER TABLE ADD COLUMN on both databases: a batch rebuild of users or organisations
    # (which every other table references) fails on SQLite as soon as there is data.
    op.add_column('courses', sa.Column('deadline', sa.Date(), nullable=True))
    op.add_column('organisations', sa.Column('code', sa.String(length=32), nullable=True))
    op.add_column('organisations', sa.Column('closed_at', school.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column('organisations', sa.Column('merged_into_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_organisations_code'), 'organisations', ['code'], unique=True)
    op.add_column('users', sa.Column('membership_no', sa.String(length=32), nullable=True))
    gender_check = "gender IS NULL OR gender IN ('male', 'female')"
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a CHECK only as part of the new column's own definition.
        op.execute(
            'ALTER TABLE users ADD COLUMN gender VARCHAR(10) '
            f'CONSTRAINT ck_users_gender CHECK ({gender_check})'
        )
    else:
        op.add_column('users', sa.Column('gender', sa.String(length=10), nullable=True))
        op.create_check_constraint(op.f('ck_users_gender'), 'users', gender_check)
    op.add_column('users', sa.Column('phone', sa.String(length=20), nullable=True))
    op.add_column('users', sa.Column('joined_party_on', sa.Date(), nullable=True))
    op.add_column('users', sa.Column('is_floating', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('users', sa.Column('current_city', sa.String(length=50), nullable=True))
    op.add_column('users', sa.Column('flowed_out_on', sa.Date(), nullable=True))
    op.add_column('users', sa.Column('flow_reason', sa.String(length=200), nullable=True))
    op.add_column('users', sa.Column('certificate_no', sa.String(length=50), nullable=True))
    op.add_column('users', sa.Column('photo_name', sa.String(length=100), nullable=True))
    op.create_index(op.f('ix_users_is_floating'), 'users', ['is_floating'], unique=False)
    op.create_index(op.f('ix_users_membership_no'), 'users', ['membership_no'], unique=True)
    # Members who already had a host organisation were floating.
    op.execute(
        'UPDATE users SET is_floating = true WHERE host_org_id IS NOT NULL'
        if op.get_bind().dialect.name == 'postgresql'
        else 'UPDATE users SET is_floating = 1 WHERE host_org_id IS NOT NULL'
    )
    _backfill_progress()


def _backfill_progress() -> None:
    """Precompute progress from the completions and the ledger already recorded.

    Written out here rather than imported from the app, so the migration keeps doing what it did
    whatever the app's code becomes.
    """
    bind = op.get_bind()
    bind.execute(sa.text(
        'INSERT INTO course_progress (member_id, course_id, lessons_done, started_at, completed_at) '
        'SELECT lc.user_id, l.course_id, COUNT(*), MIN(lc.completed_at), '
        '  (SELECT cc.completed_at FROM course_completions cc '
        '   WHERE cc.user_id = lc.user_id AND cc.course_id = l.course_id) '
        'FROM lesson_completions lc JOIN lessons l ON l.id = lc.lesson_id '
        'GROUP BY lc.user_id, l.course_id'
    ))
    zone = ZoneInfo(os.environ.get('TIMEZONE', 'Asia/Shanghai'))
    entries = sa.text(
        'SELECT member_id, kind, hours, completed_at FROM archive_entries ORDER BY id'
    ).columns(completed_at=school.db.UTCDateTime())
    years: dict[tuple[int, int], dict] = {}
    for member_id, kind, hours, completed_at in bind.execute(entries):
        local = completed_at.astimezone(zone)
        row = years.setdefault((member_id, local.year), {
            'member_id': member_id, 'year': local.year, 'hours': 0, 'courses_completed': 0,
            'last_activity_at': completed_at, **{f'm{m}': 0 for m in range(1, 13)},
        })
        row['hours'] += hours  # tenths of an hour, as stored: integers
        row[f'm{local.month}'] += hours
        row['courses_completed'] += kind == 'course'
        row['last_activity_at'] = max(row['last_activity_at'], completed_at)
    year_progress = sa.table(
        'year_progress',
        *(sa.column(name, sa.Integer()) for name in
          ['member_id', 'year', 'hours', 'courses_completed', *(f'm{m}' for m in range(1, 13))]),
        sa.column('last_activity_at', school.db.UTCDateTime()),
    )
    if years:
        op.bulk_insert(year_progress, list(years.values()))


def downgrade() -> None:
    # Indexes first, then columns, in place (see upgrade on why not a batch rebuild).
    op.drop_index(op.f('ix_users_membership_no'), table_name='users')
    op.drop_index(op.f('ix_users_is_floating'), table_name='users')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_users_gender'), 'users', type_='check')
    for name in ('photo_name', 'certificate_no', 'flow_reason', 'flowed_out_on', 'current_city',
                 'is_floating', 'joined_party_on', 'phone', 'gender', 'membership_no'):
        op.drop_column('users', name)
    op.drop_index(op.f('ix_organisations_code'), table_name='organisations')
    for name in ('merged_into_id', 'closed_at', 'code'):
        op.drop_column('organisations', name)
    op.drop_column('courses', 'deadline')

    with op.batch_alter_table('year_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_year_progress_year'))

    op.drop_table('year_progress')
    with op.batch_alter_table('study_reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_study_reminders_member_sent')

    op.drop_table('study_reminders')
    with op.batch_alter_table('org_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_audit_org_id'))
        batch_op.drop_index(batch_op.f('ix_org_audit_created_at'))

    op.drop_table('org_audit')
    with op.batch_alter_table('member_cards', schema=None) as batch_op:
        batch_op.drop_index('uq_member_cards_current', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_member_cards_member_id'))

    op.drop_table('member_cards')
    with op.batch_alter_table('management_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_management_notes_org_id'))
        batch_op.drop_index(batch_op.f('ix_management_notes_member_id'))

    op.drop_table('management_notes')
    with op.batch_alter_table('flow_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_events_member_id'))

    op.drop_table('flow_events')
    with op.batch_alter_table('course_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_progress_course_id'))

    op.drop_table('course_progress')
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulletins_host_org_id'))
        batch_op.drop_index(batch_op.f('ix_bulletins_home_org_id'))

    op.drop_table('bulletins')
