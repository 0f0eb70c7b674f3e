-- The totals read a few columns of every sheet of the country on every
-- change (review.Service.Boxes), and every open dashboard polls for that
-- change each second.
--
-- result_version counts the results saved for a sheet, so that the totals
-- decode a result once per version rather than on every call.
ALTER TABLE sheets ADD COLUMN result_version BIGINT NOT NULL DEFAULT 0;
UPDATE sheets SET result_version = 1 WHERE result IS NOT NULL;
-- Every column the totals' scan reads, in its order: PostgreSQL answers the
-- scan from the index alone where vacuum has marked the rows' pages visible.
CREATE INDEX sheets_totals ON sheets (form, il, ilce, sandik_no, created_at, id, status, review_state, result_version);
-- The latest change, for the change mark.
CREATE INDEX sheets_updated ON sheets (updated_at);
CREATE INDEX box_typed_updated ON box_typed (updated_at);
