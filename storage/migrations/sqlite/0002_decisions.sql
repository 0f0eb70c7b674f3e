-- Review decisions: append-only versions of a sheet's accepted figures.
-- A sheet's review state is apart from its OCR verdict (status):
-- '' needs no review, 'open' waits for a lawyer, 'resolved' is decided.
ALTER TABLE sheets ADD COLUMN review_state TEXT NOT NULL DEFAULT '';
CREATE INDEX sheets_review ON sheets (review_state, created_at);

CREATE TABLE decisions (
    id         INTEGER PRIMARY KEY,
    sheet_id   TEXT NOT NULL REFERENCES sheets (id),
    field      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      INTEGER,
    typed      INTEGER,
    read       INTEGER,
    note       TEXT NOT NULL DEFAULT '',
    user_id    INTEGER NOT NULL REFERENCES users (id),
    actor      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX decisions_sheet ON decisions (sheet_id, id);

CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;
