-- File listings may be ordered by name or by id (order_by), each with an
-- index that ends in the keyset's columns, so a page never sorts. Names
-- are ordered byte by byte (COLLATE "C"), as in SQLite.
CREATE INDEX files_project_name_id ON files (project_id, (name COLLATE "C"), id);
CREATE INDEX files_project_id ON files (project_id, id);
