-- Whether a source's last poll said more was already waiting: it is catching up a backlog.
ALTER TABLE source_state ADD COLUMN catching_up INTEGER NOT NULL DEFAULT 0;
