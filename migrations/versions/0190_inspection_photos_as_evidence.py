"""inspections: the photo of a checklist item is evidence of the inspection (backend/evidence: the inspector's hash
chain, custody log, watermarked copy; subject = the inspection, its id as the reference); `inspection_photo` keeps
only which item of the inspection it shows and the evidence id, no storage key of its own.

Upgrade moves every existing photo into its inspector's evidence chain, oldest first, after the records already
there: the original is copied to the evidence folder of the storage the environment configures (STORAGE_S3_BUCKET,
else FILES_DIR), its thumbnail and watermarked copy are made, the record is hashed and linked, and the inspector's
checkpoint is signed again with SECRET_KEY (the one the service runs with). The phone never sent a place with these
photos: the record carries the object's registered coordinates (0, 0 where it has none) and the upload time as
the capture time. Downgrade puts the evidence's original key, SHA-256, type and size back on each row; the
evidence records stay, as the chain is append-only.

Revision ID: 0190
Revises: 0180
"""
import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0190"
down_revision: str | Sequence[str] | None = "0180"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_COLUMNS = (("storage_key", sa.String(length=128)), ("sha256", sa.String(length=64)),
               ("mime", sa.String(length=32)), ("width", sa.Integer()), ("height", sa.Integer()))


def _tables():
    from backend.db import UTCDateTime

    photo = sa.table("inspection_photo", sa.column("id", sa.Integer), sa.column("inspection_id", sa.Integer),
                     sa.column("taken_by_id", sa.Integer), sa.column("created_at", UTCDateTime),
                     sa.column("evidence_id", sa.Integer), *(sa.column(name, kind) for name, kind in OLD_COLUMNS))
    evidence = sa.table("evidence", *(sa.column(name, sa.String) for name in (
        "client_id", "kind", "source", "mime", "sha256", "original_key", "watermarked_key", "thumbnail_key",
        "place", "subject_type", "subject_ref", "prev_hash", "record_hash")),
        *(sa.column(name, sa.Integer) for name in ("id", "officer_id", "seq", "size_bytes", "width", "height")),
        *(sa.column(name, sa.Float) for name in ("lat", "lng")),
        *(sa.column(name, UTCDateTime) for name in ("captured_at", "received_at")))
    checkpoint = sa.table("evidence_checkpoint", sa.column("officer_id", sa.Integer), sa.column("seq", sa.Integer),
                          sa.column("head_hash", sa.String), sa.column("mac", sa.String),
                          sa.column("updated_at", UTCDateTime))
    return photo, evidence, checkpoint


def _running_config():
    """The storage and the keyring of the environment the service runs in (a Flask app context for backend.keys)."""
    from flask import Flask

    from backend.config import load, parse
    from backend.keys import settle_secret_key
    from backend.storage import storage_for

    config = load()
    settle_secret_key(config)
    app = Flask("migration_0190")
    app.config.update(config)
    app.extensions["settings"] = parse(config)
    return app, storage_for(parse(config))


def _move(connection, photo, evidence, checkpoint) -> None:
    from backend.db import utcnow
    from backend.evidence import chain, media
    from backend.evidence.models import Evidence, EvidenceKind, Source, Subject
    from backend.evidence.operations import derived_key
    from backend.images import validate_image

    rows = connection.execute(
        sa.select(photo.c.id, photo.c.inspection_id, photo.c.taken_by_id, photo.c.created_at, photo.c.storage_key)
        .order_by(photo.c.id)).all()
    if not rows:
        return
    app, storage = _running_config()
    objects = sa.text("select o.address, o.lat, o.lng from inspection i join inspection_object o"
                      " on o.id = i.object_id where i.id = :id")
    with app.app_context():
        for row_id, inspection_id, officer_id, created_at, key in rows:
            data = storage.get(key)
            client_id, digest = f"inspection-photo-{row_id}", hashlib.sha256(data).hexdigest()
            earlier = connection.execute(sa.select(evidence.c.id, evidence.c.sha256)
                                         .where(evidence.c.client_id == client_id)).first()
            if earlier is not None and earlier.sha256 == digest:  # moved by an upgrade before a downgrade
                connection.execute(photo.update().where(photo.c.id == row_id).values(evidence_id=earlier.id))
                continue
            if earlier is not None:  # another photo under a reused row id
                client_id = f"{client_id}-{digest[:16]}"
            image = validate_image(data, max_bytes=len(data) + 1)
            address, lat, lng = connection.execute(objects, {"id": inspection_id}).one()
            badge_no = connection.execute(sa.text("select badge_no from officer where id = :id"),
                                          {"id": officer_id}).scalar_one()
            record = Evidence(client_id=client_id, officer_id=officer_id, kind=EvidenceKind.photo,
                              source=Source.upload, mime=image.mime, size_bytes=len(data),
                              sha256=digest, width=image.width,
                              height=image.height, captured_at=created_at, lat=lat or 0.0, lng=lng or 0.0,
                              place=address[:200], subject_type=Subject.inspection, subject_ref=str(inspection_id),
                              received_at=created_at)
            extension = "png" if image.mime == "image/png" else "jpg"
            record.original_key = f"evidence/originals/{record.sha256[:2]}/{record.sha256}.{extension}"
            thumb = media.thumbnail(image.image)
            marked = media.jpeg_bytes(media.draw_watermark(image.image, media.watermark_lines(
                created_at, record.place, badge_no, record.sha256)))
            record.thumbnail_key, record.watermarked_key = derived_key("thumbnails", thumb), \
                derived_key("watermarked", marked)
            for target, payload, mime in ((record.original_key, data, image.mime), (record.thumbnail_key, thumb,
                                          "image/jpeg"), (record.watermarked_key, marked, "image/jpeg")):
                storage.put(target, payload, mime)  # write-once: an equal file already there is fine
            head = connection.execute(sa.select(evidence.c.seq, evidence.c.record_hash)
                                      .where(evidence.c.officer_id == officer_id)
                                      .order_by(evidence.c.seq.desc()).limit(1)).first()
            record.seq = head.seq + 1 if head else 1
            record.prev_hash = head.record_hash if head else chain.GENESIS
            record.record_hash = chain.record_hash(record)
            evidence_id = connection.execute(evidence.insert().values(
                client_id=record.client_id, officer_id=officer_id, seq=record.seq, kind="photo", source="upload",
                mime=record.mime, size_bytes=record.size_bytes, sha256=record.sha256,
                original_key=record.original_key, watermarked_key=record.watermarked_key,
                thumbnail_key=record.thumbnail_key, width=record.width, height=record.height,
                captured_at=created_at, lat=record.lat, lng=record.lng, place=record.place,
                subject_type="inspection", subject_ref=record.subject_ref, received_at=created_at,
                prev_hash=record.prev_hash, record_hash=record.record_hash).returning(evidence.c.id)).scalar_one()
            mac = chain.checkpoint_mac(officer_id, record.seq, record.record_hash)
            values = {"seq": record.seq, "head_hash": record.record_hash, "mac": mac, "updated_at": utcnow()}
            if connection.execute(checkpoint.update().where(checkpoint.c.officer_id == officer_id)
                                  .values(**values)).rowcount == 0:
                connection.execute(checkpoint.insert().values(officer_id=officer_id, **values))
            connection.execute(photo.update().where(photo.c.id == row_id).values(evidence_id=evidence_id))


def upgrade() -> None:
    with op.batch_alter_table("inspection_photo", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_id", sa.Integer(), nullable=True))
    _move(op.get_bind(), *_tables())
    with op.batch_alter_table("inspection_photo", schema=None) as batch_op:
        batch_op.alter_column("evidence_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_inspection_photo_evidence_id"), ["evidence_id"])
        batch_op.create_foreign_key(batch_op.f("fk_inspection_photo_evidence_id_evidence"), "evidence",
                                    ["evidence_id"], ["id"])
        batch_op.drop_index(batch_op.f("ix_inspection_photo_storage_key"))
        for name, _kind in OLD_COLUMNS:
            batch_op.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("inspection_photo", schema=None) as batch_op:
        for name, kind in OLD_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    connection = op.get_bind()
    photo, evidence, _checkpoint = _tables()
    for row_id, key, digest, mime, width, height in connection.execute(
            sa.select(photo.c.id, evidence.c.original_key, evidence.c.sha256, evidence.c.mime, evidence.c.width,
                      evidence.c.height).join(evidence, evidence.c.id == photo.c.evidence_id)).all():
        connection.execute(photo.update().where(photo.c.id == row_id).values(
            storage_key=key, sha256=digest, mime=mime, width=width, height=height))
    with op.batch_alter_table("inspection_photo", schema=None) as batch_op:
        for name, kind in OLD_COLUMNS:
            batch_op.alter_column(name, existing_type=kind, nullable=False)
        batch_op.create_index(batch_op.f("ix_inspection_photo_storage_key"), ["storage_key"], unique=False)
        batch_op.drop_constraint(batch_op.f("fk_inspection_photo_evidence_id_evidence"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_inspection_photo_evidence_id"), type_="unique")
        batch_op.drop_column("evidence_id")
