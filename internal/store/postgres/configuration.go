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

// latestOnly keeps a configuration only if no newer one of its project
// shares its name and product type (ConfigFilter.LatestOnly).
const latestOnly = `NOT EXISTS (SELECT 1 FROM configurations n WHERE n.project_id = configurations.project_id
	AND n.name = configurations.name AND n.product_type = configurations.product_type
	AND (n.created_at, n.id) > (configurations.created_at, configurations.id))`

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
	c, doc, err := configurationDefaults(c)
	if err == nil {
		err = insertConfiguration(ctx, s.db, c, doc)
	}
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

func insertConfiguration(ctx context.Context, q querier, c extract.SavedConfiguration, doc []byte) error {
	_, err := q.ExecContext(ctx, `INSERT INTO configurations (`+configurationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.ProjectID, c.Name, c.ProductType, string(doc), c.Version, ms(c.CreatedAt), ms(c.UpdatedAt))
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
// it was created. A transaction-scoped advisory lock on the project, name
// and product type makes concurrent upserts of one name take turns, so
// they never both create.
func (s *Store) UpsertConfiguration(ctx context.Context, c extract.SavedConfiguration) (extract.SavedConfiguration, bool, error) {
	c, doc, err := configurationDefaults(c)
	if err != nil {
		return extract.SavedConfiguration{}, false, fmt.Errorf("upsert configuration: %w", err)
	}
	var (
		out     extract.SavedConfiguration
		created bool
	)
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			fmt.Sprintf("configuration %q %q %q", c.ProjectID, c.ProductType, c.Name)); err != nil {
			return err
		}
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM configurations WHERE project_id = $1 AND name = $2 AND product_type = $3
			ORDER BY created_at DESC, id DESC LIMIT 1`, c.ProjectID, c.Name, c.ProductType).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			out, created = c, true
			return insertConfiguration(ctx, tx, c, doc)
		}
		if err != nil {
			return err
		}
		out, err = scanConfiguration(tx.QueryRowContext(ctx, `UPDATE configurations
			SET configuration = $1, version = version + 1, updated_at = GREATEST($2, updated_at + interval '1 millisecond') WHERE id = $3
			RETURNING `+configurationColumns, string(doc), ms(c.UpdatedAt), id))
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
	if f.LatestOnly {
		where = append(where, latestOnly)
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
