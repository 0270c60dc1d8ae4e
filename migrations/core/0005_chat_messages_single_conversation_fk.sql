-- core 0005: drop the duplicate conversation FK on chat_messages.
--
-- The reference build carries two identical FKs on chat_messages.conversation_id, both ON DELETE
-- CASCADE (live-schema.md §2.4, §8 #4): init's inline chat_messages_conversation_id_fkey and 002's
-- fk_chat_messages_conversation_id. Every insert checks both and every conversation delete cascades
-- twice. Some live databases have only fk_chat_messages_conversation_id, so that is the one kept
-- (one name everywhere); init's copy is dropped only where the kept one exists, so a database can
-- never be left without the FK. Nothing else changes: same columns, target and ON DELETE action.
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'public.chat_messages'::regclass
           AND conname = 'fk_chat_messages_conversation_id'
           AND contype = 'f'
    ) THEN
        ALTER TABLE chat_messages DROP CONSTRAINT IF EXISTS chat_messages_conversation_id_fkey;
    END IF;
END
$$;
