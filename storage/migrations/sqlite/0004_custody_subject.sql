-- An evidence bundle finds the entry that recorded the figures typed for
-- its box, kept under no sheet, by their SHA-256.
CREATE INDEX custody_no_sheet_subject ON custody (subject_hash) WHERE sheet_id = '';
