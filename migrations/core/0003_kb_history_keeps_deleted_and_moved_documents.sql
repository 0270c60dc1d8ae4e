-- core 0003: make deleting and moving kb_documents work, and keep their audit trail.
--
-- Live defect (live-schema.md §1.2, §7 flag 9): the history trigger inserts a 'delete' row for a
-- path that no longer exists, violating kb_document_history_path_fkey, and a path change fails
-- because history (and kb_search_index) rows still reference the old path with no ON UPDATE action.
-- The app issues both statements, so both always fail today.
--
-- Semantics chosen: kb_document_history is an append-only audit trail keyed by the path a document
-- had at the time of each change.
-- * The FK from history to kb_documents is dropped. With it, history could never outlive its
--   document (ON DELETE CASCADE would erase the very trail that records the deletion). History of a
--   deleted document stays, ending with its 'delete' row.
-- * A path change is recorded as change_type 'move' under the NEW path, with the old path in
--   change_message unless the document supplies one; rows recorded under the old path stay there,
--   so "history of path X" still shows everything that happened at X, including the move away.
-- * kb_search_index rows belong to the current document: their FK now follows a path change
--   (ON UPDATE CASCADE) and still goes away with the document (ON DELETE CASCADE).
-- No existing row changes: deletes and moves could never succeed before, so no history row was
-- ever cascaded away.

ALTER TABLE kb_document_history DROP CONSTRAINT kb_document_history_path_fkey;

ALTER TABLE kb_search_index
    DROP CONSTRAINT kb_search_index_path_fkey,
    ADD CONSTRAINT kb_search_index_path_fkey
        FOREIGN KEY (path) REFERENCES kb_documents(path) ON UPDATE CASCADE ON DELETE CASCADE;

CREATE OR REPLACE FUNCTION create_kb_document_history()
RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.path IS DISTINCT FROM OLD.path THEN
        INSERT INTO kb_document_history (path, version, document, change_type, changed_by, change_message)
        VALUES (NEW.path, NEW.version, NEW.document, 'move',
                COALESCE(NEW.document->>'changed_by', 'system'),
                COALESCE(NEW.document->>'change_message', 'Moved from ' || OLD.path));
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO kb_document_history (path, version, document, change_type, changed_by, change_message)
        VALUES (NEW.path, NEW.version, NEW.document, 'update',
                COALESCE(NEW.document->>'changed_by', 'system'),
                COALESCE(NEW.document->>'change_message', 'Updated via API'));
        RETURN NEW;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO kb_document_history (path, version, document, change_type, changed_by, change_message)
        VALUES (NEW.path, NEW.version, NEW.document, 'create',
                COALESCE(NEW.document->>'changed_by', 'system'),
                COALESCE(NEW.document->>'change_message', 'Created via API'));
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO kb_document_history (path, version, document, change_type, changed_by, change_message)
        VALUES (OLD.path, OLD.version, OLD.document, 'delete',
                COALESCE(OLD.document->>'changed_by', 'system'),
                COALESCE(OLD.document->>'change_message', 'Deleted via API'));
        RETURN OLD;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

COMMENT ON TABLE kb_document_history IS
    'Append-only audit trail of document changes (create, update, move, delete), keyed by the path at the time of the change; outlives deleted documents';
