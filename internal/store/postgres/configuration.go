package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

const configurationColumns = `id, project_id, name, product_type, configuration, version, created_at, updated_at`

func scanConfiguration(sc scanner) (extract.SavedConfiguration, error) {
	var c extract.SavedConfiguration
	var doc []byte
	if err := sc.Scan(&c.ID, &c.ProjectID, &c.Name, &c.ProductType, &doc, &c.Version, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	if err := json.Unmarshal(doc, &c.Configuration); err != nil {
		return c, fmt.Errorf("configuration %s: decode: %w", c.ID, err)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.UpdatedAt = c.UpdatedAt.UTC()
	return c, nil
}

func configuration(ctx context.Context, q querier, projectID, id string) (extract.SavedConfiguration, error) {
	c, err := scanConfiguration(q.QueryRowContext(ctx,
		`SELECT `+configurationColumns+` FROM configurations WHERE id = $1 AND project_id = $2`, id, projectID))
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
	_, err = s.db.ExecContext(ctx, `INSERT INTO configurations (`+configurationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.ProjectID, c.Name, c.ProductType, string(doc), c.Version, ms(c.CreatedAt), ms(c.UpdatedAt))
	switch {
	case isUniqueViolation(err):
		err = extract.Errorf(extract.CodeConflict, "configuration %q already exists", c.ID)
	case isForeignKeyViolation(err):
		err = extract.Errorf(extract.CodeNotFound, "project %q not found", c.ProjectID)
	}
	if err != nil {
		return fmt.Errorf("create configuration: %w", err)
	}
	return nil
}

// Configuration returns a saved configuration of the project; CodeNotFound
// if absent or another project's.
func (s *Store) Configuration(ctx context.Context, projectID, id string) (extract.SavedConfiguration, error) {
	c, err := configuration(ctx, s.db, projectID, id)
	if err != nil {
		return extract.SavedConfiguration{}, fmt.Errorf("get configuration: %w", err)
	}
	return c, nil
}

// ListConfigurations returns up to p.Limit configurations matching f, newest
// first, after p.After. A Limit of zero or less means no limit.
func (s *Store) ListConfigurations(ctx context.Context, f extract.ConfigFilter, p extract.Page) ([]extract.SavedConfiguration, error) {
	var a args
	where := []string{"project_id = " + a.add(f.ProjectID)}
	if f.Name != "" {
		where = append(where, "name = "+a.add(f.Name))
	}
	if f.ProductType != "" {
		where = append(where, "product_type = "+a.add(f.ProductType))
	}
	where = keyset(where, &a, p.After)
	query := `SELECT ` + configurationColumns + ` FROM configurations WHERE ` + and(where) +
		` ORDER BY created_at DESC, id DESC` + limit(&a, p)
	rows, err := s.db.QueryContext(ctx, query, a...)
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
	// One statement: the row's lock makes concurrent updates count each
	// version once.
	out, err := scanConfiguration(s.db.QueryRowContext(ctx, `UPDATE configurations
		SET name = $1, configuration = $2, version = version + 1, updated_at = $3
		WHERE id = $4 AND project_id = $5
		RETURNING `+configurationColumns, c.Name, string(doc), ms(c.UpdatedAt), c.ID, c.ProjectID))
	if errors.Is(err, sql.ErrNoRows) {
		err = extract.Errorf(extract.CodeNotFound, "configuration %q not found", c.ID)
	}
	if err != nil {
		return extract.SavedConfiguration{}, fmt.Errorf("update configuration: %w", err)
	}
	return out, nil
}

// DeleteConfiguration removes a saved configuration; CodeNotFound if absent
// or another project's. Jobs made from it keep their copy and its id.
func (s *Store) DeleteConfiguration(ctx context.Context, projectID, id string) error {
	err := changeOne(ctx, s.db, `DELETE FROM configurations WHERE id = $1 AND project_id = $2`,
		extract.Errorf(extract.CodeNotFound, "configuration %q not found", id), id, projectID)
	if err != nil {
		return fmt.Errorf("delete configuration: %w", err)
	}
	return nil
}
