-- Times are UTC text "YYYY-MM-DDTHH:MM:SS.ffffffZ" (see db.go); JSON is text.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    province      TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    secret_hash TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE sheets (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    form         TEXT NOT NULL,
    il           TEXT NOT NULL DEFAULT '',
    ilce         TEXT NOT NULL DEFAULT '',
    sandik_no    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    uploaded_by  INTEGER NOT NULL REFERENCES users (id),
    typed        TEXT,
    reading      TEXT,
    result       TEXT,
    legal_hold   INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX sheets_box ON sheets (il, ilce, sandik_no);
CREATE INDEX sheets_uploaded_by ON sheets (uploaded_by);

CREATE TABLE sheet_fields (
    sheet_id   TEXT NOT NULL REFERENCES sheets (id),
    field      TEXT NOT NULL,
    value      INTEGER,
    confidence REAL NOT NULL,
    typed      INTEGER,
    status     TEXT NOT NULL,
    PRIMARY KEY (sheet_id, field)
);

CREATE TABLE box_typed (
    form       TEXT NOT NULL,
    il         TEXT NOT NULL,
    ilce       TEXT NOT NULL,
    sandik_no  TEXT NOT NULL,
    counts     TEXT NOT NULL,
    entered_by INTEGER NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (form, il, ilce, sandik_no)
);

CREATE TABLE custody (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    sheet_id     TEXT NOT NULL DEFAULT '',
    subject_hash TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX custody_sheet ON custody (sheet_id);

CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody
BEGIN
    SELECT RAISE(ABORT, 'custody log is append-only');
END;
CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody
BEGIN
    SELECT RAISE(ABORT, 'custody log is append-only');
END;
