CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    province      TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    secret_hash TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- JSON is kept as text so its bytes (and their hashes in the custody log)
-- stay exactly as written.
CREATE TABLE sheets (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    form         TEXT NOT NULL,
    il           TEXT NOT NULL DEFAULT '',
    ilce         TEXT NOT NULL DEFAULT '',
    sandik_no    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES users (id),
    typed        TEXT,
    reading      TEXT,
    result       TEXT,
    legal_hold   INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sheets_box ON sheets (il, ilce, sandik_no);
CREATE INDEX sheets_uploaded_by ON sheets (uploaded_by);

CREATE TABLE sheet_fields (
    sheet_id   TEXT NOT NULL REFERENCES sheets (id),
    field      TEXT NOT NULL,
    value      BIGINT,
    confidence DOUBLE PRECISION NOT NULL,
    typed      BIGINT,
    status     TEXT NOT NULL,
    PRIMARY KEY (sheet_id, field)
);

CREATE TABLE box_typed (
    form       TEXT NOT NULL,
    il         TEXT NOT NULL,
    ilce       TEXT NOT NULL,
    sandik_no  TEXT NOT NULL,
    counts     TEXT NOT NULL,
    entered_by BIGINT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (form, il, ilce, sandik_no)
);

CREATE TABLE custody (
    seq          BIGINT PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    sheet_id     TEXT NOT NULL DEFAULT '',
    subject_hash TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX custody_sheet ON custody (sheet_id);

CREATE FUNCTION custody_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'custody log is append-only';
END;
$$;
CREATE TRIGGER custody_no_change BEFORE UPDATE OR DELETE ON custody
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
