package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

const fileColumns = `id, project_id, name, file_type, content_type, purpose, coalesce(external_file_id, ''),
	size, sha256, created_at, updated_at, expires_at`

const insertFile = `INSERT INTO files (id, project_id, name, file_type, content_type, purpose, external_file_id,
	size, sha256, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func scanFile(sc scanner) (extract.File, error) {
	var f extract.File
	var created, updated int64
	var expires sql.NullInt64
	err := sc.Scan(&f.ID, &f.ProjectID, &f.Name, &f.FileType, &f.ContentType, &f.Purpose, &f.ExternalFileID,
		&f.Size, &f.SHA256, &created, &updated, &expires)
	if err != nil {
		return f, err
	}
	f.CreatedAt = fromMillis(created)
	f.UpdatedAt = fromMillis(updated)
	f.ExpiresAt = fromNullMillis(expires)
	return f, nil
}

// nullFile scans fileColumns from the nullable side of an outer join.
type nullFile struct {
	id, projectID, name, fileType, contentType, purpose, externalID, sha256 sql.NullString
	size, created, updated, expires                                         sql.NullInt64
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
		Size: n.size.Int64, SHA256: n.sha256.String, CreatedAt: fromMillis(n.created.Int64), UpdatedAt: fromMillis(n.updated.Int64),
		ExpiresAt: fromNullMillis(n.expires)}
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertFile,
			f.ID, f.ProjectID, f.Name, f.FileType, f.ContentType, f.Purpose, nullString(f.ExternalFileID),
			f.Size, f.SHA256, millis(f.CreatedAt), millis(f.UpdatedAt), nullMillis(f.ExpiresAt))
		switch {
		case isUniqueViolation(err):
			return extract.Errorf(extract.CodeConflict, "file %q already exists", f.ID)
		case isForeignKeyViolation(err):
			return extract.Errorf(extract.CodeNotFound, "project %q not found", f.ProjectID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	return nil
}

// File returns a file of the project; CodeNotFound if absent or another
// project's.
func (s *Store) File(ctx context.Context, projectID, id string) (extract.File, error) {
	f, err := scanFile(s.read.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = ? AND project_id = ?`, id, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		err = extract.Errorf(extract.CodeNotFound, "file %q not found", id)
	}
	if err != nil {
		return extract.File{}, fmt.Errorf("get file: %w", err)
	}
	return f, nil
}

// ListFiles returns up to p.Limit files matching f in f.Order (newest
// first by default), after p.After. A Limit of zero or less means no limit.
func (s *Store) ListFiles(ctx context.Context, f extract.FileFilter, p extract.Page) ([]extract.File, error) {
	where := []string{"project_id = ?"}
	args := []any{f.ProjectID}
	if f.Name != "" {
		where = append(where, "name = ?")
		args = append(args, f.Name)
	}
	if f.ExternalFileID != "" {
		where = append(where, "external_file_id = ?")
		args = append(args, f.ExternalFileID)
	}
	if len(f.IDs) > 0 {
		where = append(where, "id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	var order string
	where, args, order = fileOrder(where, args, f.Order, p.After)
	query := `SELECT ` + fileColumns + ` FROM files WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + order + ` LIMIT ?`
	rows, err := s.read.QueryContext(ctx, query, append(args, limitArg(p))...)
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

// fileOrder adds the keyset condition of a file listing in order o and
// returns its ORDER BY. SQLite compares text byte by byte (BINARY), which
// is the order extract.FileOrderName promises.
func fileOrder(where []string, args []any, o extract.FileOrder, c *extract.Cursor) ([]string, []any, string) {
	switch o {
	case extract.FileOrderName:
		if c != nil {
			where = append(where, "(name > ? OR (name = ? AND id > ?))")
			args = append(args, c.Name, c.Name, c.ID)
		}
		return where, args, "name, id"
	case extract.FileOrderID:
		if c != nil {
			where = append(where, "id > ?")
			args = append(args, c.ID)
		}
		return where, args, "id"
	}
	where, args = keyset(where, args, c)
	return where, args, "created_at DESC, id DESC"
}

// DeleteFile removes the file's row; CodeNotFound if absent or another
// project's. The caller deletes the blob.
func (s *Store) DeleteFile(ctx context.Context, projectID, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		return deleteOne(ctx, tx, `DELETE FROM files WHERE id = ? AND project_id = ?`,
			extract.Errorf(extract.CodeNotFound, "file %q not found", id), id, projectID)
	})
	if err != nil {
		return fmt.Errorf("delete file: %w", err)
	}
	return nil
}

// deleteOne runs a DELETE and returns notFound if it removed nothing.
func deleteOne(ctx context.Context, tx *sql.Tx, query string, notFound error, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}
