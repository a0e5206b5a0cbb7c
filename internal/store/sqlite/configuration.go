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

// latestOnly keeps a configuration only if no newer one of its project
// shares its name and product type (ConfigFilter.LatestOnly).
const latestOnly = `NOT EXISTS (SELECT 1 FROM configurations n WHERE n.project_id = configurations.project_id
	AND n.name = configurations.name AND n.product_type = configurations.product_type
	AND (n.created_at > configurations.created_at OR (n.created_at = configurations.created_at AND n.id > configurations.id)))`

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
	c, doc, err := configurationDefaults(c)
	if err != nil {
		return fmt.Errorf("create configuration: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error { return insertConfiguration(ctx, tx, c, doc) })
	if err != nil {
		return fmt.Errorf("create configuration: %w", err)
	}
	return nil
}

// configurationDefaults fills what CreateConfiguration defaults and encodes
// the configuration.
func configurationDefaults(c extract.SavedConfiguration) (extract.SavedConfiguration, []byte, error) {
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
		return c, nil, fmt.Errorf("encode: %w", err)
	}
	return c, doc, nil
}

func insertConfiguration(ctx context.Context, tx *sql.Tx, c extract.SavedConfiguration, doc []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO configurations (`+configurationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.ProjectID, c.Name, c.ProductType, string(doc), c.Version, millis(c.CreatedAt), millis(c.UpdatedAt))
	switch {
	case isUniqueViolation(err):
		return extract.Errorf(extract.CodeConflict, "configuration %q already exists", c.ID)
	case isForeignKeyViolation(err):
		return extract.Errorf(extract.CodeNotFound, "project %q not found", c.ProjectID)
	}
	return err
}

// UpsertConfiguration creates c as CreateConfiguration does, unless a
// configuration of c's project has c's name and product type: then that
// one (the newest, should several) takes c's configuration, its Version
// is bumped and its UpdatedAt set to c's (now when zero), or a millisecond
// after its own when c's is not later, keeping its id, name and CreatedAt. It returns the configuration as stored and whether
// it was created. Writes are serialised, so two upserts of one name never
// both create.
func (s *Store) UpsertConfiguration(ctx context.Context, c extract.SavedConfiguration) (extract.SavedConfiguration, bool, error) {
	c, doc, err := configurationDefaults(c)
	if err != nil {
		return extract.SavedConfiguration{}, false, fmt.Errorf("upsert configuration: %w", err)
	}
	var (
		out     extract.SavedConfiguration
		created bool
	)
	err = s.write(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM configurations WHERE project_id = ? AND name = ? AND product_type = ?
			ORDER BY created_at DESC, id DESC LIMIT 1`, c.ProjectID, c.Name, c.ProductType).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			out, created = c, true
			return insertConfiguration(ctx, tx, c, doc)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE configurations SET configuration = ?, version = version + 1, updated_at = MAX(?, updated_at + 1) WHERE id = ?`,
			string(doc), millis(c.UpdatedAt), id); err != nil {
			return err
		}
		out, err = configuration(ctx, tx, c.ProjectID, id)
		return err
	})
	if err != nil {
		return extract.SavedConfiguration{}, false, fmt.Errorf("upsert configuration: %w", err)
	}
	return out, created, nil
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
	if f.LatestOnly {
		where = append(where, latestOnly)
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
