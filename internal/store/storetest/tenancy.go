package storetest

import (
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

func testEnsureDefaults(t *testing.T, f *fixture) {
	ctx := t.Context()
	// The fixture made the defaults; they have the documented names and ids.
	if f.org.Name != "Default Organization" || !id.Valid(id.Organization, f.org.ID) {
		t.Errorf("default organization = %+v, want a valid id named Default Organization", f.org)
	}
	if f.prj.Name != "Default Project" || !id.Valid(id.Project, f.prj.ID) || f.prj.OrganizationID != f.org.ID {
		t.Errorf("default project = %+v, want a valid id named Default Project in %s", f.prj, f.org.ID)
	}
	for range 2 {
		org, prj, created, err := f.st.EnsureDefaults(ctx)
		if err != nil {
			t.Fatalf("EnsureDefaults again: %v", err)
		}
		if created {
			t.Errorf("EnsureDefaults again: created = true, want false")
		}
		diff(t, "organization", f.org, org)
		diff(t, "project", f.prj, prj)
	}
	got, err := f.st.Project(ctx, f.prj.ID)
	if err != nil {
		t.Fatalf("Project: %v", err)
	}
	diff(t, "Project", f.prj, got)
}

func testProjects(t *testing.T, f *fixture) {
	ctx := t.Context()
	org := extract.Organization{ID: id.New(id.Organization), Name: "Acme", CreatedAt: at(1).Add(456 * time.Microsecond)}
	if err := f.st.CreateOrganization(ctx, org); err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	prj := extract.Project{ID: id.New(id.Project), OrganizationID: org.ID, Name: "Invoices", CreatedAt: at(2).In(time.FixedZone("CET", 3600))}
	if err := f.st.CreateProject(ctx, prj); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	got, err := f.st.Project(ctx, prj.ID)
	if err != nil {
		t.Fatalf("Project: %v", err)
	}
	// Times come back in UTC at millisecond precision.
	prj.CreatedAt = at(2)
	diff(t, "Project", prj, got)

	t.Run("ErrNotFound", func(t *testing.T) {
		missing := id.New(id.Project)
		_, err := f.st.Project(ctx, missing)
		wantCode(t, "Project(missing)", err, extract.CodeNotFound, missing)
	})
	t.Run("ErrOrganizationNotFound", func(t *testing.T) {
		err := f.st.CreateProject(ctx, extract.Project{ID: id.New(id.Project), OrganizationID: id.New(id.Organization), Name: "x", CreatedAt: base})
		wantCode(t, "CreateProject(unknown organization)", err, extract.CodeNotFound, "")
	})
	t.Run("ErrDuplicate", func(t *testing.T) {
		wantCode(t, "CreateOrganization(again)", f.st.CreateOrganization(ctx, org), extract.CodeConflict, "")
		wantCode(t, "CreateProject(again)", f.st.CreateProject(ctx, prj), extract.CodeConflict, "")
	})
}

func testAPIKeys(t *testing.T, f *fixture) {
	ctx := t.Context()
	k1 := extract.APIKey{
		ID: id.New(id.APIKey), OrganizationID: f.org.ID, ProjectID: f.prj.ID, Name: "ci",
		Prefix: "qry_ab12", Hash: []byte{1, 2, 3, 0, 255}, CreatedAt: at(10),
	}
	k2 := extract.APIKey{
		ID: id.New(id.APIKey), OrganizationID: f.org.ID, ProjectID: f.other.ID, OrganizationWide: true, Name: "laptop",
		Prefix: "qry_cd34", Hash: []byte{9, 9, 9}, CreatedAt: at(20), LastUsedAt: ptr(at(25)),
	}
	for _, k := range []extract.APIKey{k1, k2} {
		if err := f.st.CreateAPIKey(ctx, k); err != nil {
			t.Fatalf("CreateAPIKey(%s): %v", k.Name, err)
		}
	}
	got, err := f.st.APIKeyByHash(ctx, []byte{1, 2, 3, 0, 255})
	if err != nil {
		t.Fatalf("APIKeyByHash: %v", err)
	}
	diff(t, "APIKeyByHash", k1, got)

	keys, err := f.st.ListAPIKeys(ctx)
	if err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	diff(t, "ListAPIKeys (newest first)", []extract.APIKey{k2, k1}, keys)

	if err := f.st.RevokeAPIKey(ctx, k1.ID, at(30)); err != nil {
		t.Fatalf("RevokeAPIKey: %v", err)
	}
	// Revoking twice keeps the first time.
	if err := f.st.RevokeAPIKey(ctx, k1.ID, at(40)); err != nil {
		t.Fatalf("RevokeAPIKey again: %v", err)
	}
	got, err = f.st.APIKeyByHash(ctx, k1.Hash)
	if err != nil {
		t.Fatalf("APIKeyByHash(revoked): %v", err)
	}
	k1.RevokedAt = ptr(at(30))
	diff(t, "revoked key", k1, got)

	// Use moves last_used_at forward, never back.
	for _, touch := range []struct {
		at   time.Time
		want time.Time
	}{{at(50), at(50)}, {at(45), at(50)}, {at(60), at(60)}} {
		if err := f.st.TouchAPIKey(ctx, k1.ID, touch.at); err != nil {
			t.Fatalf("TouchAPIKey(%v): %v", touch.at, err)
		}
		got, err = f.st.APIKeyByHash(ctx, k1.Hash)
		if err != nil {
			t.Fatalf("APIKeyByHash: %v", err)
		}
		k1.LastUsedAt = ptr(touch.want)
		diff(t, "touched key", k1, got)
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		missing := id.New(id.APIKey)
		wantCode(t, "TouchAPIKey(unknown)", f.st.TouchAPIKey(ctx, missing, at(1)), extract.CodeNotFound, missing)
		_, err := f.st.APIKeyByHash(ctx, []byte{1, 2, 3})
		wantCode(t, "APIKeyByHash(unknown)", err, extract.CodeNotFound, "")
		wantCode(t, "RevokeAPIKey(unknown)", f.st.RevokeAPIKey(ctx, missing, at(1)), extract.CodeNotFound, missing)
	})
	t.Run("ErrDuplicateHash", func(t *testing.T) {
		dup := k2
		dup.ID = id.New(id.APIKey)
		wantCode(t, "CreateAPIKey(same hash)", f.st.CreateAPIKey(ctx, dup), extract.CodeConflict, "")
	})
}
