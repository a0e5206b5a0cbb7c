package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/quarrylabs/quarry/internal/extract"
)

const fileColumns = `id, project_id, name, file_type, content_type, purpose, coalesce(external_file_id, ''),
	size, sha256, created_at, updated_at, expires_at`

// fileKey names a file of a project, for the batched lookup of File.
type fileKey struct{ projectID, id string }

func scanFileRow(row pgx.Row) (extract.File, error) { return scanFile(row) }

func scanFile(sc scanner) (extract.File, error) {
	var f extract.File
	var expires sql.NullTime
	err := sc.Scan(&f.ID, &f.ProjectID, &f.Name, &f.FileType, &f.ContentType, &f.Purpose, &f.ExternalFileID,
		&f.Size, &f.SHA256, &f.CreatedAt, &f.UpdatedAt, &expires)
	if err != nil {
		return f, err
	}
	f.CreatedAt = f.CreatedAt.UTC()
	f.UpdatedAt = f.UpdatedAt.UTC()
	f.ExpiresAt = fromNullTime(expires)
	return f, nil
}

// nullFile scans fileColumns from the nullable side of an outer join.
type nullFile struct {
	id, projectID, name, fileType, contentType, purpose, externalID, sha256 sql.NullString
	size                                                                    sql.NullInt64
	created, updated, expires                                               sql.NullTime
}

// dest returns scan destinations in fileColumns' order.
func (n *nullFile) dest() []any {
	return []any{&n.id, &n.projectID, &n.name, &n.fileType, &n.contentType, &n.purpose, &n.externalID,
		&n.size, &n.sha256, &n.created, &n.updated, &n.expires}
}

// file returns the scanned file, or nil when the join found none.
func (n *nullFile) file() *extract.File {
	if !n.id.Valid {
		return nil
	}
	return &extract.File{ID: n.id.String, ProjectID: n.projectID.String, Name: n.name.String, FileType: n.fileType.String,
		ContentType: n.contentType.String, Purpose: n.purpose.String, ExternalFileID: n.externalID.String,
		Size: n.size.Int64, SHA256: n.sha256.String, CreatedAt: n.created.Time.UTC(), UpdatedAt: n.updated.Time.UTC(),
		ExpiresAt: fromNullTime(n.expires)}
}

// CreateFile records an uploaded file; CodeConflict if the id is taken,
// CodeNotFound if the project is absent. A zero CreatedAt becomes now, a zero
// UpdatedAt CreatedAt.
func (s *Store) CreateFile(ctx context.Context, f extract.File) error {
	if f.CreatedAt.IsZero() {
		f.CreatedAt = time.Now()
	}
	if f.UpdatedAt.IsZero() {
		f.UpdatedAt = f.CreatedAt
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO files (id, project_id, name, file_type, content_type, purpose, external_file_id,
		size, sha256, created_at, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		f.ID, f.ProjectID, f.Name, f.FileType, f.ContentType, f.Purpose, nullString(f.ExternalFileID),
		f.Size, f.SHA256, ms(f.CreatedAt), ms(f.UpdatedAt), nullTime(f.ExpiresAt))
	switch {
	case isUniqueViolation(err):
		err = extract.Errorf(extract.CodeConflict, "file %q already exists", f.ID)
	case isForeignKeyViolation(err):
		err = extract.Errorf(extract.CodeNotFound, "project %q not found", f.ProjectID)
	}
	if err != nil {
		return fmt.Errorf("create file: %w", storageFull(err))
	}
	return nil
}

// File returns a file of the project; CodeNotFound if absent or another
// project's.
func (s *Store) File(ctx context.Context, projectID, id string) (extract.File, error) {
	f, err := s.files.Do(ctx, fileKey{projectID: projectID, id: id})
	if err != nil {
		return extract.File{}, fmt.Errorf("get file: %w", err)
	}
	if !f.ok {
		return extract.File{}, fmt.Errorf("get file: %w", extract.Errorf(extract.CodeNotFound, "file %q not found", id))
	}
	return f.v, nil
}

// ListFiles returns up to p.Limit files matching f in f.Order (newest
// first by default), after p.After. A Limit of zero or less means no limit.
func (s *Store) ListFiles(ctx context.Context, f extract.FileFilter, p extract.Page) ([]extract.File, error) {
	query, a := listFilesQuery(f, p)
	rows, err := s.db.QueryContext(ctx, query, a...)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	defer rows.Close()
	var files []extract.File
	for rows.Next() {
		file, err := scanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("list files: %w", err)
		}
		files = append(files, file)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	return files, nil
}

// listFilesQuery is ListFiles's query and its arguments.
func listFilesQuery(f extract.FileFilter, p extract.Page) (string, args) {
	var a args
	where := []string{"project_id = " + a.add(f.ProjectID)}
	if f.Name != "" {
		where = append(where, "name = "+a.add(f.Name))
	}
	if f.ExternalFileID != "" {
		where = append(where, "external_file_id = "+a.add(f.ExternalFileID))
	}
	if len(f.IDs) > 0 {
		where = append(where, "id = ANY ("+a.add(f.IDs)+")")
	}
	where, order := fileOrder(where, &a, f.Order, p.After)
	return `SELECT ` + fileColumns + ` FROM files WHERE ` + and(where) + ` ORDER BY ` + order + limit(&a, p), a
}

// fileOrder adds the keyset condition of a file listing in order o and
// returns its ORDER BY. Names compare in the "C" collation, byte by byte
// as SQLite does, so both stores list in the same order whatever the
// database's locale (ids are "C" already).
func fileOrder(where []string, a *args, o extract.FileOrder, c *extract.Cursor) ([]string, string) {
	switch o {
	case extract.FileOrderName:
		if c != nil {
			where = append(where, `(name COLLATE "C", id) > (`+a.add(c.Name)+` COLLATE "C", `+a.add(c.ID)+`)`)
		}
		return where, `name COLLATE "C", id`
	case extract.FileOrderID:
		if c != nil {
			where = append(where, "id > "+a.add(c.ID))
		}
		return where, "id"
	}
	return keyset(where, a, c), "created_at DESC, id DESC"
}

// DeleteFile removes the file's row; CodeNotFound if absent or another
// project's. The caller deletes the blob.
func (s *Store) DeleteFile(ctx context.Context, projectID, id string) error {
	err := changeOne(ctx, s.db, `DELETE FROM files WHERE id = $1 AND project_id = $2`,
		extract.Errorf(extract.CodeNotFound, "file %q not found", id), id, projectID)
	if err != nil {
		return fmt.Errorf("delete file: %w", storageFull(err))
	}
	return nil
}
