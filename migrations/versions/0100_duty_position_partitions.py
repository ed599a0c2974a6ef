"""duty: patrol positions by month on PostgreSQL (a year of the city's pings), the archive of dropped months.

PostgreSQL: `duty_position` becomes a table partitioned by range of `recorded_at`, one partition a local month
(Asia/Shanghai), plus a default partition for times no month covers; every row is kept. Its primary key
becomes (id, recorded_at) and the client id is unique with its time (a partitioned table's unique keys hold
the partition key); the id is 64-bit. Nothing refers to a position row, so no foreign key has to follow.
SQLite keeps a plain table; only the client id's unique key changes there, to match.

Revision ID: 0100
Revises: 0094
"""
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0100"
down_revision: str | Sequence[str] | None = "0094"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MONTHS_AHEAD = 2  # as DUTY_POSITION_MONTHS_AHEAD's default: the job keeps it from then on

COLUMNS = """
    id bigint not null default nextval('duty_position_id_seq'),
    client_id varchar(64) not null,
    officer_id integer not null constraint fk_duty_position_officer_id_officer references officer (id),
    shift_id integer not null constraint fk_duty_position_shift_id_duty_shift references duty_shift (id),
    source varchar(8) not null,
    recorded_at timestamptz not null,
    received_at timestamptz not null,
    late_sync boolean not null,
    lat double precision not null,
    lng double precision not null,
    coord_system varchar(8) not null constraint ck_duty_position_coord_system check (coord_system = 'gcj02'),
    accuracy_m double precision not null,
    inside boolean,
    step_m double precision not null,
    step_seconds integer not null,
    step_inside_seconds integer not null"""


def _month_start(year: int, month: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=LOCAL_TZ)


def _months(first: date, last: date) -> list[tuple[int, int]]:
    return [((m - 1) // 12, (m - 1) % 12 + 1)
            for m in range(first.year * 12 + first.month, last.year * 12 + last.month + 1)]


def _upgrade_postgresql() -> None:
    bind = op.get_bind()
    op.execute("alter table duty_position rename to duty_position_plain")
    for name in ("pk_duty_position", "uq_duty_position_client_id", "ix_duty_position_officer_id",
                 "ix_duty_position_shift_id_recorded_at"):
        op.execute(f"alter index {name} rename to {name}_plain")
    op.execute("alter sequence duty_position_id_seq owned by none")
    op.execute("alter sequence duty_position_id_seq as bigint")
    op.execute(f"create table duty_position ({COLUMNS},\n"
               "    constraint pk_duty_position primary key (id, recorded_at),\n"
               "    constraint uq_duty_position_client_id_recorded_at unique (client_id, recorded_at)\n"
               ") partition by range (recorded_at)")
    op.execute("alter sequence duty_position_id_seq owned by duty_position.id")
    op.execute("create index ix_duty_position_officer_id on duty_position (officer_id)")
    op.execute("create index ix_duty_position_shift_id_recorded_at on duty_position (shift_id, recorded_at)")
    oldest = bind.scalar(sa.text("select min(recorded_at) from duty_position_plain"))
    today = datetime.now(LOCAL_TZ).date()
    first = oldest.astimezone(LOCAL_TZ).date() if oldest is not None else today
    ahead = today.year * 12 + today.month - 1 + MONTHS_AHEAD
    for year, month in _months(first, date(ahead // 12, ahead % 12 + 1, 1)):
        low, high = _month_start(year, month), _month_start(year, month + 1)
        op.execute(f"create table duty_position_p{year:04d}_{month:02d} partition of duty_position "
                   f"for values from ('{low.isoformat()}') to ('{high.isoformat()}')")
    op.execute("create table duty_position_pdefault partition of duty_position default")
    op.execute("insert into duty_position select * from duty_position_plain")
    op.execute("drop table duty_position_plain")


def _downgrade_postgresql() -> None:
    op.execute("alter table duty_position rename to duty_position_partitioned")
    for name in ("pk_duty_position", "uq_duty_position_client_id_recorded_at", "ix_duty_position_officer_id",
                 "ix_duty_position_shift_id_recorded_at"):
        op.execute(f"alter index {name} rename to {name}_partitioned")
    op.execute("alter sequence duty_position_id_seq owned by none")
    op.execute(f"create table duty_position ({COLUMNS.replace('bigint', 'integer', 1)},\n"
               "    constraint pk_duty_position primary key (id),\n"
               "    constraint uq_duty_position_client_id unique (client_id))")
    op.execute("alter sequence duty_position_id_seq owned by duty_position.id")
    op.execute("alter sequence duty_position_id_seq as integer")
    op.execute("create index ix_duty_position_officer_id on duty_position (officer_id)")
    op.execute("create index ix_duty_position_shift_id_recorded_at on duty_position (shift_id, recorded_at)")
    op.execute("insert into duty_position select * from duty_position_partitioned")
    op.execute("drop table duty_position_partitioned")  # its partitions go with it


def upgrade() -> None:
    op.create_table('duty_position_archive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=256), nullable=False),
    sa.Column('rows', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bytes', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_position_archive')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_duty_position_archive_storage_key'))
    )
    with op.batch_alter_table('duty_position_archive', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_position_archive_month'), ['month'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
        return
    with op.batch_alter_table('duty_position', schema=None) as batch_op:
        batch_op.drop_constraint('uq_duty_position_client_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_duty_position_client_id_recorded_at'),
                                          ['client_id', 'recorded_at'])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgresql()
    else:
        with op.batch_alter_table('duty_position', schema=None) as batch_op:
            batch_op.drop_constraint('uq_duty_position_client_id_recorded_at', type_='unique')
            batch_op.create_unique_constraint('uq_duty_position_client_id', ['client_id'])
    with op.batch_alter_table('duty_position_archive', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_position_archive_month'))
    op.drop_table('duty_position_archive')
