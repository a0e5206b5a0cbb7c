package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// Names of what EnsureDefaults creates.
const (
	DefaultOrganizationName = "Default Organization"
	DefaultProjectName      = "Default Project"
)

// EnsureDefaults creates the default organization and project on first
// start and returns them; created reports whether they were new. Processes
// starting at once agree on one pair: the insert of the quarry_default row
// waits for a concurrent one and does nothing if it committed, and the
// loser's organization and project roll back with its transaction.
func (s *Store) EnsureDefaults(ctx context.Context) (org extract.Organization, prj extract.Project, created bool, err error) {
	for range 2 {
		var raced bool
		err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
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
			now := ms(time.Now())
			org = extract.Organization{ID: id.New(id.Organization), Name: DefaultOrganizationName, CreatedAt: now}
			prj = extract.Project{ID: id.New(id.Project), OrganizationID: org.ID, Name: DefaultProjectName, CreatedAt: now}
			if err := insertOrganization(ctx, tx, org); err != nil {
				return err
			}
			if err := insertProject(ctx, tx, prj); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO quarry_default (singleton, organization_id, project_id) VALUES (1, $1, $2)
				ON CONFLICT (singleton) DO NOTHING`, org.ID, prj.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				raced = err == nil
				if raced {
					err = errRaced
				}
				return err
			}
			created = true
			return nil
		})
		if !raced {
			break
		}
		// Another process made the defaults first: read theirs.
	}
	if err != nil {
		return extract.Organization{}, extract.Project{}, false, fmt.Errorf("ensure defaults: %w", err)
	}
	return org, prj, created, nil
}

// errRaced rolls back a transaction that lost a race it will retry.
var errRaced = errors.New("lost a race to another process")

// Project returns a project; CodeNotFound if absent.
func (s *Store) Project(ctx context.Context, id string) (extract.Project, error) {
	p, err := project(ctx, s.db, id)
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
	if err := insertProject(ctx, s.db, p); err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	return nil
}

// CreateOrganization adds an organization; CodeConflict if the id is taken.
func (s *Store) CreateOrganization(ctx context.Context, o extract.Organization) error {
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now()
	}
	if err := insertOrganization(ctx, s.db, o); err != nil {
		return fmt.Errorf("create organization: %w", err)
	}
	return nil
}

func organization(ctx context.Context, q querier, id string) (extract.Organization, error) {
	var o extract.Organization
	err := q.QueryRowContext(ctx, `SELECT id, name, created_at FROM organizations WHERE id = $1`, id).Scan(&o.ID, &o.Name, &o.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return o, extract.Errorf(extract.CodeNotFound, "organization %q not found", id)
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return o, err
}

func project(ctx context.Context, q querier, id string) (extract.Project, error) {
	var p extract.Project
	err := q.QueryRowContext(ctx, `SELECT id, organization_id, name, created_at FROM projects WHERE id = $1`, id).
		Scan(&p.ID, &p.OrganizationID, &p.Name, &p.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, extract.Errorf(extract.CodeNotFound, "project %q not found", id)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

func insertOrganization(ctx context.Context, q querier, o extract.Organization) error {
	_, err := q.ExecContext(ctx, `INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)`,
		o.ID, o.Name, ms(o.CreatedAt))
	if isUniqueViolation(err) {
		return extract.Errorf(extract.CodeConflict, "organization %q already exists", o.ID)
	}
	return err
}

func insertProject(ctx context.Context, q querier, p extract.Project) error {
	_, err := q.ExecContext(ctx, `INSERT INTO projects (id, organization_id, name, created_at) VALUES ($1, $2, $3, $4)`,
		p.ID, p.OrganizationID, p.Name, ms(p.CreatedAt))
	switch {
	case isUniqueViolation(err):
		return extract.Errorf(extract.CodeConflict, "project %q already exists", p.ID)
	case isForeignKeyViolation(err):
		return extract.Errorf(extract.CodeNotFound, "organization %q not found", p.OrganizationID)
	}
	return err
}

const apiKeyColumns = `id, organization_id, coalesce(project_id, ''), organization_wide, name, prefix, hash, created_at, last_used_at, revoked_at`

func scanAPIKeyRow(row pgx.Row) (extract.APIKey, error) { return scanAPIKey(row) }

func scanAPIKey(sc scanner) (extract.APIKey, error) {
	var k extract.APIKey
	var lastUsed, revoked sql.NullTime
	if err := sc.Scan(&k.ID, &k.OrganizationID, &k.ProjectID, &k.OrganizationWide, &k.Name, &k.Prefix, &k.Hash, &k.CreatedAt, &lastUsed, &revoked); err != nil {
		return k, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	k.LastUsedAt = fromNullTime(lastUsed)
	k.RevokedAt = fromNullTime(revoked)
	return k, nil
}

// CreateAPIKey stores a key; CodeConflict if its id or hash is taken,
// CodeNotFound if its organization or project is absent.
func (s *Store) CreateAPIKey(ctx context.Context, k extract.APIKey) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_keys (id, organization_id, project_id, organization_wide, name, prefix, hash, created_at, last_used_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		k.ID, k.OrganizationID, nullString(k.ProjectID), k.OrganizationWide, k.Name, k.Prefix, k.Hash,
		ms(k.CreatedAt), nullTime(k.LastUsedAt), nullTime(k.RevokedAt))
	switch {
	case isUniqueViolation(err):
		err = extract.Errorf(extract.CodeConflict, "API key %q already exists", k.ID)
	case isForeignKeyViolation(err):
		err = extract.Errorf(extract.CodeNotFound, "organization %q or project %q not found", k.OrganizationID, k.ProjectID)
	}
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

// APIKeyByHash finds a key by the hash of its secret, revoked or not;
// CodeNotFound if none.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (extract.APIKey, error) {
	k, err := s.keys.Do(ctx, string(hash))
	if err != nil {
		return extract.APIKey{}, fmt.Errorf("get api key by hash: %w", err)
	}
	if !k.ok {
		// The message names no key: the caller is authenticating.
		return extract.APIKey{}, extract.Errorf(extract.CodeNotFound, "API key not found")
	}
	return k.v, nil
}

// ListAPIKeys returns every key, newest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]extract.APIKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at DESC, id DESC`)
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
	err := changeOne(ctx, s.db, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`,
		extract.Errorf(extract.CodeNotFound, "API key %q not found", id), ms(at), id)
	if err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	return nil
}

// TouchAPIKey records that a key was used at at, keeping a later time
// already recorded; CodeNotFound if absent.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	err := changeOne(ctx, s.db, `UPDATE api_keys SET last_used_at = greatest(last_used_at, $1) WHERE id = $2`,
		extract.Errorf(extract.CodeNotFound, "API key %q not found", id), ms(at), id)
	if err != nil {
		return fmt.Errorf("touch api key: %w", err)
	}
	return nil
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
