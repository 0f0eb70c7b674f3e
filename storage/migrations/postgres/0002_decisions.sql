-- Review decisions: append-only versions of a sheet's accepted figures.
-- A sheet's review state is apart from its OCR verdict (status):
-- '' needs no review, 'open' waits for a lawyer, 'resolved' is decided.
ALTER TABLE sheets ADD COLUMN review_state TEXT NOT NULL DEFAULT '';
CREATE INDEX sheets_review ON sheets (review_state, created_at);

CREATE TABLE decisions (
    id         BIGSERIAL PRIMARY KEY,
    sheet_id   TEXT NOT NULL REFERENCES sheets (id),
    field      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      BIGINT,
    typed      BIGINT,
    read       BIGINT,
    note       TEXT NOT NULL DEFAULT '',
    user_id    BIGINT NOT NULL REFERENCES users (id),
    actor      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX decisions_sheet ON decisions (sheet_id, id);

CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'decisions are append-only';
END;
$$;
CREATE TRIGGER decisions_no_change BEFORE UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION decisions_append_only();
