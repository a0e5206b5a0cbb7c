package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

const configurationColumns = `id, project_id, name, product_type, configuration, version, created_at, updated_at`

func scanConfiguration(sc scanner) (extract.SavedConfiguration, error) {
	var c extract.SavedConfiguration
	var doc []byte
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.ProjectID, &c.Name, &c.ProductType, &doc, &c.Version, &created, &updated); err != nil {
		return c, err
	}
	if err := json.Unmarshal(doc, &c.Configuration); err != nil {
		return c, fmt.Errorf("configuration %s: decode: %w", c.ID, err)
	}
	c.CreatedAt = fromMillis(created)
	c.UpdatedAt = fromMillis(updated)
	return c, nil
}

func configuration(ctx context.Context, q querier, projectID, id string) (extract.SavedConfiguration, error) {
	c, err := scanConfiguration(q.QueryRowContext(ctx,
		`SELECT `+configurationColumns+` FROM configurations WHERE id = ? AND project_id = ?`, id, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, extract.Errorf(extract.CodeNotFound, "configuration %q not found", id)
	}
	return c, err
}

// CreateConfiguration stores a saved configuration; CodeConflict if the id
// is taken, CodeNotFound if the project is absent. A zero Version becomes 1,
// a zero CreatedAt now, a zero UpdatedAt CreatedAt.
func (s *Store) CreateConfiguration(ctx context.Context, c extract.SavedConfiguration) error {
	if c.Version == 0 {
		c.Version = 1
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	doc, err := json.Marshal(c.Configuration)
	if err != nil {
		return fmt.Errorf("create configuration: encode: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO configurations (`+configurationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.ProjectID, c.Name, c.ProductType, string(doc), c.Version, millis(c.CreatedAt), millis(c.UpdatedAt))
		switch {
		case isUniqueViolation(err):
			return extract.Errorf(extract.CodeConflict, "configuration %q already exists", c.ID)
		case isForeignKeyViolation(err):
			return extract.Errorf(extract.CodeNotFound, "project %q not found", c.ProjectID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create configuration: %w", err)
	}
	return nil
}

// Configuration returns a saved configuration of the project; CodeNotFound
// if absent or another project's.
func (s *Store) Configuration(ctx context.Context, projectID, id string) (extract.SavedConfiguration, error) {
	c, err := configuration(ctx, s.read, projectID, id)
	if err != nil {
		return extract.SavedConfiguration{}, fmt.Errorf("get configuration: %w", err)
	}
	return c, nil
}

// ListConfigurations returns up to p.Limit configurations matching f, newest
// first, after p.After. A Limit of zero or less means no limit.
func (s *Store) ListConfigurations(ctx context.Context, f extract.ConfigFilter, p extract.Page) ([]extract.SavedConfiguration, error) {
	where := []string{"project_id = ?"}
	args := []any{f.ProjectID}
	if f.Name != "" {
		where = append(where, "name = ?")
		args = append(args, f.Name)
	}
	if f.ProductType != "" {
		where = append(where, "product_type = ?")
		args = append(args, f.ProductType)
	}
	where, args = keyset(where, args, p.After)
	query := `SELECT ` + configurationColumns + ` FROM configurations WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY created_at DESC, id DESC LIMIT ?`
	rows, err := s.read.QueryContext(ctx, query, append(args, limitArg(p))...)
	if err != nil {
		return nil, fmt.Errorf("list configurations: %w", err)
	}
	defer rows.Close()
	var cs []extract.SavedConfiguration
	for rows.Next() {
		c, err := scanConfiguration(rows)
		if err != nil {
			return nil, fmt.Errorf("list configurations: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list configurations: %w", err)
	}
	return cs, nil
}

// UpdateConfiguration replaces name and configuration, bumps Version and
// sets UpdatedAt to now, and returns the result; CodeNotFound if absent or
// another project's. c's UpdatedAt is ignored like its Version: a caller
// passes back what it read, and the update is what happens now.
func (s *Store) UpdateConfiguration(ctx context.Context, c extract.SavedConfiguration) (extract.SavedConfiguration, error) {
	c.UpdatedAt = time.Now()
	doc, err := json.Marshal(c.Configuration)
	if err != nil {
		return extract.SavedConfiguration{}, fmt.Errorf("update configuration: encode: %w", err)
	}
	var out extract.SavedConfiguration
	err = s.write(ctx, func(tx *sql.Tx) error {
		err := changeOne(ctx, tx, `UPDATE configurations SET name = ?, configuration = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND project_id = ?`, extract.Errorf(extract.CodeNotFound, "configuration %q not found", c.ID),
			c.Name, string(doc), millis(c.UpdatedAt), c.ID, c.ProjectID)
		if err != nil {
			return err
		}
		out, err = configuration(ctx, tx, c.ProjectID, c.ID)
		return err
	})
	if err != nil {
		return extract.SavedConfiguration{}, fmt.Errorf("update configuration: %w", err)
	}
	return out, nil
}

// DeleteConfiguration removes a saved configuration; CodeNotFound if absent
// or another project's. Jobs made from it keep their copy and its id.
func (s *Store) DeleteConfiguration(ctx context.Context, projectID, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		return deleteOne(ctx, tx, `DELETE FROM configurations WHERE id = ? AND project_id = ?`,
			extract.Errorf(extract.CodeNotFound, "configuration %q not found", id), id, projectID)
	})
	if err != nil {
		return fmt.Errorf("delete configuration: %w", err)
	}
	return nil
}
