package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// Names of what EnsureDefaults creates.
const (
	DefaultOrganizationName = "Default Organization"
	DefaultProjectName      = "Default Project"
)

// EnsureDefaults creates the default organization and project on first
// start and returns them; created reports whether they were new.
func (s *Store) EnsureDefaults(ctx context.Context) (org extract.Organization, prj extract.Project, created bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		var orgID, prjID string
		err := tx.QueryRowContext(ctx, `SELECT organization_id, project_id FROM quarry_default WHERE singleton = 1`).Scan(&orgID, &prjID)
		if err == nil {
			if org, err = organization(ctx, tx, orgID); err != nil {
				return err
			}
			prj, err = project(ctx, tx, prjID)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := trunc(time.Now())
		org = extract.Organization{ID: id.New(id.Organization), Name: DefaultOrganizationName, CreatedAt: now}
		prj = extract.Project{ID: id.New(id.Project), OrganizationID: org.ID, Name: DefaultProjectName, CreatedAt: now}
		if err := insertOrganization(ctx, tx, org); err != nil {
			return err
		}
		if err := insertProject(ctx, tx, prj); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO quarry_default (singleton, organization_id, project_id) VALUES (1, ?, ?)`, org.ID, prj.ID)
		created = true
		return err
	})
	if err != nil {
		return extract.Organization{}, extract.Project{}, false, fmt.Errorf("ensure defaults: %w", err)
	}
	return org, prj, created, nil
}

// Project returns a project; CodeNotFound if absent.
func (s *Store) Project(ctx context.Context, id string) (extract.Project, error) {
	p, err := project(ctx, s.read, id)
	if err != nil {
		return extract.Project{}, fmt.Errorf("get project: %w", err)
	}
	return p, nil
}

// CreateProject adds a project to an existing organization; CodeNotFound if
// the organization is absent, CodeConflict if the id is taken.
func (s *Store) CreateProject(ctx context.Context, p extract.Project) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now()
	}
	err := s.write(ctx, func(tx *sql.Tx) error { return insertProject(ctx, tx, p) })
	if err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	return nil
}

// CreateOrganization adds an organization; CodeConflict if the id is taken.
func (s *Store) CreateOrganization(ctx context.Context, o extract.Organization) error {
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now()
	}
	err := s.write(ctx, func(tx *sql.Tx) error { return insertOrganization(ctx, tx, o) })
	if err != nil {
		return fmt.Errorf("create organization: %w", err)
	}
	return nil
}

// querier is what a pool and a transaction have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// changeOne runs an UPDATE or DELETE and returns notFound if it changed no
// row.
func changeOne(ctx context.Context, q querier, query string, notFound error, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
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

func organization(ctx context.Context, q querier, id string) (extract.Organization, error) {
	var o extract.Organization
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, name, created_at FROM organizations WHERE id = ?`, id).Scan(&o.ID, &o.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return o, extract.Errorf(extract.CodeNotFound, "organization %q not found", id)
	}
	o.CreatedAt = fromMillis(created)
	return o, err
}

func project(ctx context.Context, q querier, id string) (extract.Project, error) {
	var p extract.Project
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, organization_id, name, created_at FROM projects WHERE id = ?`, id).
		Scan(&p.ID, &p.OrganizationID, &p.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return p, extract.Errorf(extract.CodeNotFound, "project %q not found", id)
	}
	p.CreatedAt = fromMillis(created)
	return p, err
}

func insertOrganization(ctx context.Context, tx *sql.Tx, o extract.Organization) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)`,
		o.ID, o.Name, millis(o.CreatedAt))
	if isUniqueViolation(err) {
		return extract.Errorf(extract.CodeConflict, "organization %q already exists", o.ID)
	}
	return err
}

func insertProject(ctx context.Context, tx *sql.Tx, p extract.Project) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO projects (id, organization_id, name, created_at) VALUES (?, ?, ?, ?)`,
		p.ID, p.OrganizationID, p.Name, millis(p.CreatedAt))
	switch {
	case isUniqueViolation(err):
		return extract.Errorf(extract.CodeConflict, "project %q already exists", p.ID)
	case isForeignKeyViolation(err):
		return extract.Errorf(extract.CodeNotFound, "organization %q not found", p.OrganizationID)
	}
	return err
}

const apiKeyColumns = `id, organization_id, coalesce(project_id, ''), organization_wide, name, prefix, hash, created_at, last_used_at, revoked_at`

const insertAPIKey = `INSERT INTO api_keys (id, organization_id, project_id, organization_wide, name, prefix, hash, created_at, last_used_at, revoked_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func scanAPIKey(sc scanner) (extract.APIKey, error) {
	var k extract.APIKey
	var created int64
	var lastUsed, revoked sql.NullInt64
	if err := sc.Scan(&k.ID, &k.OrganizationID, &k.ProjectID, &k.OrganizationWide, &k.Name, &k.Prefix, &k.Hash, &created, &lastUsed, &revoked); err != nil {
		return k, err
	}
	k.CreatedAt = fromMillis(created)
	k.LastUsedAt = fromNullMillis(lastUsed)
	k.RevokedAt = fromNullMillis(revoked)
	return k, nil
}

// CreateAPIKey stores a key; CodeConflict if its id or hash is taken,
// CodeNotFound if its organization or project is absent.
func (s *Store) CreateAPIKey(ctx context.Context, k extract.APIKey) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertAPIKey,
			k.ID, k.OrganizationID, nullString(k.ProjectID), k.OrganizationWide, k.Name, k.Prefix, k.Hash,
			millis(k.CreatedAt), nullMillis(k.LastUsedAt), nullMillis(k.RevokedAt))
		switch {
		case isUniqueViolation(err):
			return extract.Errorf(extract.CodeConflict, "API key %q already exists", k.ID)
		case isForeignKeyViolation(err):
			return extract.Errorf(extract.CodeNotFound, "organization %q or project %q not found", k.OrganizationID, k.ProjectID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

// APIKeyByHash finds a key by the hash of its secret, revoked or not;
// CodeNotFound if none.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (extract.APIKey, error) {
	k, err := scanAPIKey(s.read.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		// The message names no key: the caller is authenticating.
		return extract.APIKey{}, extract.Errorf(extract.CodeNotFound, "API key not found")
	}
	if err != nil {
		return extract.APIKey{}, fmt.Errorf("get api key by hash: %w", err)
	}
	return k, nil
}

// ListAPIKeys returns every key, newest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]extract.APIKey, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var keys []extract.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

// RevokeAPIKey marks a key revoked; CodeNotFound if absent. Revoking a
// revoked key keeps the first revocation time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		return changeOne(ctx, tx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`,
			extract.Errorf(extract.CodeNotFound, "API key %q not found", id), millis(at), id)
	})
	if err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	return nil
}

// TouchAPIKey records that a key was used at at, keeping a later time
// already recorded; CodeNotFound if absent.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		return changeOne(ctx, tx, `UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, ?1), ?1) WHERE id = ?2`,
			extract.Errorf(extract.CodeNotFound, "API key %q not found", id), millis(at), id)
	})
	if err != nil {
		return fmt.Errorf("touch api key: %w", err)
	}
	return nil
}
