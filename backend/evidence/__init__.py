"""On-site evidence (现场取证): intake, validation, write-once storage, derivatives, hash chain, custody log.

A sibling of `backend/duty` rather than part of it: evidence has its own models, media handling,
integrity chain, custody log and jobs — more than duty's few hundred lines should carry.
"""
