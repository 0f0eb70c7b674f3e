-- Official results published by the election authority, one import at a
-- time. Imports are never changed: a box's current official figures are
-- those of the latest import that has the box, and earlier ones stay as
-- history. A partial row is one the authority is still entering.
CREATE TABLE official_imports (
    id         BIGSERIAL PRIMARY KEY,
    form       TEXT NOT NULL,
    source     TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    partial    INTEGER NOT NULL DEFAULT 0,
    boxes      BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE official_results (
    import_id BIGINT NOT NULL REFERENCES official_imports (id),
    form      TEXT NOT NULL,
    il        TEXT NOT NULL,
    ilce      TEXT NOT NULL,
    sandik_no TEXT NOT NULL,
    counts    TEXT NOT NULL,
    partial   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (import_id, il, ilce, sandik_no)
);
CREATE INDEX official_results_box ON official_results (form, il, ilce, sandik_no, import_id);
