package storetest

import (
	"cmp"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

func newFile(p extract.Project, name string, n int) extract.File {
	return extract.File{
		ID: id.New(id.File), ProjectID: p.ID, Name: name, FileType: "pdf", ContentType: "application/pdf",
		Purpose: "extract", Size: 1234, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		CreatedAt: at(n), UpdatedAt: at(n),
	}
}

func testFiles(t *testing.T, f *fixture) {
	ctx := t.Context()
	file := newFile(f.prj, "invoice.pdf", 1)
	file.ExternalFileID = "crm-42"
	file.ExpiresAt = ptr(at(86_400_000))
	if err := f.st.CreateFile(ctx, file); err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	got, err := f.st.File(ctx, f.prj.ID, file.ID)
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	diff(t, "File", file, got)

	t.Run("ErrForeign", func(t *testing.T) {
		_, err := f.st.File(ctx, f.other.ID, file.ID)
		wantCode(t, "File(other project)", err, extract.CodeNotFound, file.ID)
		wantCode(t, "DeleteFile(other project)", f.st.DeleteFile(ctx, f.other.ID, file.ID), extract.CodeNotFound, file.ID)
		if _, err := f.st.File(ctx, f.prj.ID, file.ID); err != nil {
			t.Errorf("File after a foreign delete: %v", err)
		}
	})
	t.Run("ErrDuplicate", func(t *testing.T) {
		wantCode(t, "CreateFile(again)", f.st.CreateFile(ctx, file), extract.CodeConflict, "")
	})
	t.Run("Delete", func(t *testing.T) {
		if err := f.st.DeleteFile(ctx, f.prj.ID, file.ID); err != nil {
			t.Fatalf("DeleteFile: %v", err)
		}
		_, err := f.st.File(ctx, f.prj.ID, file.ID)
		wantCode(t, "File(deleted)", err, extract.CodeNotFound, file.ID)
		wantCode(t, "DeleteFile(deleted)", f.st.DeleteFile(ctx, f.prj.ID, file.ID), extract.CodeNotFound, file.ID)
	})
}

func testListFiles(t *testing.T, f *fixture) {
	ctx := t.Context()
	var files []extract.File // newest first
	for i, name := range []string{"a.pdf", "b.pdf", "a.pdf", "c.docx", "a.pdf"} {
		file := newFile(f.prj, name, i*10)
		if i == 3 {
			file.ExternalFileID = "ext-3"
		}
		if err := f.st.CreateFile(ctx, file); err != nil {
			t.Fatalf("CreateFile: %v", err)
		}
		files = append([]extract.File{file}, files...)
	}
	// Same name, other project: never listed.
	if err := f.st.CreateFile(ctx, newFile(f.other, "a.pdf", 100)); err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	tests := []struct {
		name   string
		filter extract.FileFilter
		want   []extract.File
	}{
		{"All", extract.FileFilter{}, files},
		{"Name", extract.FileFilter{Name: "a.pdf"}, []extract.File{files[0], files[2], files[4]}},
		{"ExternalFileID", extract.FileFilter{ExternalFileID: "ext-3"}, []extract.File{files[1]}},
		{"IDs", extract.FileFilter{IDs: []string{files[3].ID, files[1].ID, id.New(id.File)}}, []extract.File{files[1], files[3]}},
		{"NameAndIDs", extract.FileFilter{Name: "a.pdf", IDs: []string{files[3].ID, files[4].ID}}, []extract.File{files[4]}},
		{"NoMatch", extract.FileFilter{Name: "z.pdf"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.ProjectID = f.prj.ID
			got, err := f.st.ListFiles(ctx, tt.filter, extract.Page{Limit: 100})
			if err != nil {
				t.Fatalf("ListFiles: %v", err)
			}
			diff(t, "ListFiles", tt.want, got)
		})
	}
	t.Run("Paging", func(t *testing.T) {
		var got []extract.File
		p := extract.Page{Limit: 2}
		for range 10 {
			page, err := f.st.ListFiles(ctx, extract.FileFilter{ProjectID: f.prj.ID}, p)
			if err != nil {
				t.Fatalf("ListFiles: %v", err)
			}
			got = append(got, page...)
			if len(page) < p.Limit {
				break
			}
			last := page[len(page)-1]
			p.After = &extract.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		diff(t, "paged ListFiles", files, got)
	})
}

// testListFilesOrder lists files in each order, whole and a page at a
// time, with names whose byte order differs from a locale's (capitals
// first, accents last) and repeated names that the id orders.
func testListFilesOrder(t *testing.T, f *fixture) {
	ctx := t.Context()
	byName := map[string][]extract.File{}
	var created []extract.File // oldest first
	for i, name := range []string{"b.pdf", "a.pdf", "Z.pdf", "é.pdf", "a.pdf", "a b.pdf"} {
		file := newFile(f.prj, name, i*10)
		if err := f.st.CreateFile(ctx, file); err != nil {
			t.Fatalf("CreateFile: %v", err)
		}
		byName[name] = append(byName[name], file)
		created = append(created, file)
	}
	if err := f.st.CreateFile(ctx, newFile(f.other, "a.pdf", 5)); err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	var names []extract.File
	for _, name := range []string{"Z.pdf", "a b.pdf", "a.pdf", "b.pdf", "é.pdf"} {
		names = append(names, byName[name]...) // ids grow with creation: same-name files in id order
	}
	newest := slices.Clone(created)
	slices.Reverse(newest)
	tests := []struct {
		order extract.FileOrder
		want  []extract.File
	}{
		{"", newest},
		{extract.FileOrderCreated, newest},
		{extract.FileOrderName, names},
		{extract.FileOrderID, created},
	}
	for _, tt := range tests {
		t.Run("Order_"+string(cmp.Or(tt.order, "default")), func(t *testing.T) {
			filter := extract.FileFilter{ProjectID: f.prj.ID, Order: tt.order}
			got, err := f.st.ListFiles(ctx, filter, extract.Page{Limit: 100})
			if err != nil {
				t.Fatalf("ListFiles: %v", err)
			}
			diff(t, "ListFiles", tt.want, got)

			var paged []extract.File
			p := extract.Page{Limit: 2}
			for range 10 {
				page, err := f.st.ListFiles(ctx, filter, p)
				if err != nil {
					t.Fatalf("ListFiles: %v", err)
				}
				paged = append(paged, page...)
				if len(page) < p.Limit {
					break
				}
				last := page[len(page)-1]
				p.After = &extract.Cursor{CreatedAt: last.CreatedAt, ID: last.ID, Name: last.Name}
			}
			diff(t, "paged ListFiles", tt.want, paged)
		})
	}
	t.Run("OrderWithFilter", func(t *testing.T) {
		got, err := f.st.ListFiles(ctx, extract.FileFilter{ProjectID: f.prj.ID, Name: "a.pdf", Order: extract.FileOrderID}, extract.Page{Limit: 100})
		if err != nil {
			t.Fatalf("ListFiles: %v", err)
		}
		diff(t, "ListFiles(name a.pdf, by id)", byName["a.pdf"], got)
	})
}

func newConfiguration(p extract.Project, name string, n int) extract.SavedConfiguration {
	return extract.SavedConfiguration{
		ID: id.New(id.Configuration), ProjectID: p.ID, Name: name, ProductType: extract.ProductExtractV2,
		Configuration: testConfiguration(), Version: 1, CreatedAt: at(n), UpdatedAt: at(n),
	}
}

func testConfigurations(t *testing.T, f *fixture) {
	ctx := t.Context()
	c := newConfiguration(f.prj, "invoices", 1)
	if err := f.st.CreateConfiguration(ctx, c); err != nil {
		t.Fatalf("CreateConfiguration: %v", err)
	}
	got, err := f.st.Configuration(ctx, f.prj.ID, c.ID)
	if err != nil {
		t.Fatalf("Configuration: %v", err)
	}
	// The configuration's Version ("2026-01-08") survives the round trip.
	diff(t, "Configuration", c, got)

	upd := c
	upd.Name = "invoices v2"
	upd.Configuration.DataSchema = json.RawMessage(`{"type":"object","properties":{"vat":{"type":"number"}}}`)
	upd.Configuration.Version = "latest"
	upd.CreatedAt = at(999) // ignored: creation time never changes
	upd.Version = 7         // ignored: the store counts
	// ignored: the update happens now, whatever time the caller read (as
	// the API does, passing back the configuration it read).
	upd.UpdatedAt = c.UpdatedAt
	before := time.Now().Truncate(time.Millisecond)
	got, err = f.st.UpdateConfiguration(ctx, upd)
	if err != nil {
		t.Fatalf("UpdateConfiguration: %v", err)
	}
	if got.UpdatedAt.Before(before) || got.UpdatedAt.After(time.Now()) {
		t.Errorf("UpdateConfiguration: UpdatedAt = %v, want the time of the update (after %v)", got.UpdatedAt, before)
	}
	want := c
	want.Name, want.Configuration, want.Version, want.UpdatedAt = upd.Name, upd.Configuration, 2, got.UpdatedAt
	diff(t, "UpdateConfiguration", want, got)
	if again, err := f.st.Configuration(ctx, f.prj.ID, c.ID); err != nil {
		t.Fatalf("Configuration: %v", err)
	} else {
		diff(t, "Configuration after update", want, again)
	}
	upd = got
	if again, err := f.st.UpdateConfiguration(ctx, upd); err != nil || again.Version != 3 || again.UpdatedAt.Before(got.UpdatedAt) {
		t.Errorf("UpdateConfiguration again = version %d at %v, %v; want 3 at %v or later", again.Version, again.UpdatedAt, err, got.UpdatedAt)
	}

	t.Run("ErrForeign", func(t *testing.T) {
		_, err := f.st.Configuration(ctx, f.other.ID, c.ID)
		wantCode(t, "Configuration(other project)", err, extract.CodeNotFound, c.ID)
		foreign := upd
		foreign.ProjectID = f.other.ID
		_, err = f.st.UpdateConfiguration(ctx, foreign)
		wantCode(t, "UpdateConfiguration(other project)", err, extract.CodeNotFound, c.ID)
		wantCode(t, "DeleteConfiguration(other project)", f.st.DeleteConfiguration(ctx, f.other.ID, c.ID), extract.CodeNotFound, c.ID)
	})
	t.Run("ErrDuplicate", func(t *testing.T) {
		wantCode(t, "CreateConfiguration(again)", f.st.CreateConfiguration(ctx, c), extract.CodeConflict, "")
	})
	t.Run("Delete", func(t *testing.T) {
		if err := f.st.DeleteConfiguration(ctx, f.prj.ID, c.ID); err != nil {
			t.Fatalf("DeleteConfiguration: %v", err)
		}
		_, err := f.st.Configuration(ctx, f.prj.ID, c.ID)
		wantCode(t, "Configuration(deleted)", err, extract.CodeNotFound, c.ID)
		wantCode(t, "DeleteConfiguration(deleted)", f.st.DeleteConfiguration(ctx, f.prj.ID, c.ID), extract.CodeNotFound, c.ID)
		_, err = f.st.UpdateConfiguration(ctx, upd)
		wantCode(t, "UpdateConfiguration(deleted)", err, extract.CodeNotFound, c.ID)
	})
}

func testListConfigurations(t *testing.T, f *fixture) {
	ctx := t.Context()
	var cs []extract.SavedConfiguration // newest first
	for i, name := range []string{"a", "b", "a", "c"} {
		c := newConfiguration(f.prj, name, i)
		if i == 1 {
			c.ProductType = "other_product"
		}
		if err := f.st.CreateConfiguration(ctx, c); err != nil {
			t.Fatalf("CreateConfiguration: %v", err)
		}
		cs = append([]extract.SavedConfiguration{c}, cs...)
	}
	if err := f.st.CreateConfiguration(ctx, newConfiguration(f.other, "a", 10)); err != nil {
		t.Fatalf("CreateConfiguration: %v", err)
	}
	tests := []struct {
		name   string
		filter extract.ConfigFilter
		page   extract.Page
		want   []extract.SavedConfiguration
	}{
		{"All", extract.ConfigFilter{}, extract.Page{Limit: 10}, cs},
		{"Name", extract.ConfigFilter{Name: "a"}, extract.Page{Limit: 10}, []extract.SavedConfiguration{cs[1], cs[3]}},
		{"ProductType", extract.ConfigFilter{ProductType: extract.ProductExtractV2}, extract.Page{Limit: 10}, []extract.SavedConfiguration{cs[0], cs[1], cs[3]}},
		{"Limit", extract.ConfigFilter{}, extract.Page{Limit: 2}, cs[:2]},
		{"After", extract.ConfigFilter{}, extract.Page{Limit: 10, After: &extract.Cursor{CreatedAt: cs[1].CreatedAt, ID: cs[1].ID}}, cs[2:]},
		// Two "a" of one product type: the newer stays.
		{"LatestOnly", extract.ConfigFilter{LatestOnly: true}, extract.Page{Limit: 10}, []extract.SavedConfiguration{cs[0], cs[1], cs[2]}},
		{"LatestOnlyName", extract.ConfigFilter{Name: "a", LatestOnly: true}, extract.Page{Limit: 10}, []extract.SavedConfiguration{cs[1]}},
		{"LatestOnlyAfter", extract.ConfigFilter{LatestOnly: true}, extract.Page{Limit: 10, After: &extract.Cursor{CreatedAt: cs[1].CreatedAt, ID: cs[1].ID}}, []extract.SavedConfiguration{cs[2]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.ProjectID = f.prj.ID
			got, err := f.st.ListConfigurations(ctx, tt.filter, tt.page)
			if err != nil {
				t.Fatalf("ListConfigurations: %v", err)
			}
			diff(t, "ListConfigurations", tt.want, got)
		})
	}
}

func testUpsertConfiguration(t *testing.T, f *fixture) {
	ctx := t.Context()
	first := newConfiguration(f.prj, "invoices", 1)
	got, created, err := f.st.UpsertConfiguration(ctx, first)
	if err != nil || !created {
		t.Fatalf("UpsertConfiguration(new) = created %v, %v; want created", created, err)
	}
	diff(t, "UpsertConfiguration(new)", first, got)

	// Same name, product type and project: the first takes the second's
	// configuration and keeps its id and creation time.
	second := newConfiguration(f.prj, "invoices", 20)
	second.Configuration.DataSchema = json.RawMessage(`{"type":"object","properties":{"vat":{"type":"number"}}}`)
	second.Configuration.Tier = extract.TierAgentic
	got, created, err = f.st.UpsertConfiguration(ctx, second)
	if err != nil || created {
		t.Fatalf("UpsertConfiguration(same name) = created %v, %v; want an update", created, err)
	}
	want := first
	want.Configuration, want.Version, want.UpdatedAt = second.Configuration, 2, second.UpdatedAt
	diff(t, "UpsertConfiguration(same name)", want, got)
	if again, err := f.st.Configuration(ctx, f.prj.ID, first.ID); err != nil {
		t.Fatalf("Configuration: %v", err)
	} else {
		diff(t, "Configuration after upsert", want, again)
	}
	// An upsert whose time is not later than the last version's still
	// makes a later one.
	third := second
	third.UpdatedAt = at(5)
	if got, _, err := f.st.UpsertConfiguration(ctx, third); err != nil || !got.UpdatedAt.Equal(second.UpdatedAt.Add(time.Millisecond)) || got.Version != 3 {
		t.Errorf("UpsertConfiguration(earlier time) = updated %v v%d, %v; want %v v3", got.UpdatedAt, got.Version, err, second.UpdatedAt.Add(time.Millisecond))
	}
	if _, err := f.st.Configuration(ctx, f.prj.ID, second.ID); extract.ErrorCode(err) != extract.CodeNotFound {
		t.Errorf("Configuration(second id) = %v; want not found: no second configuration", err)
	}

	// Another name, product type or project makes another configuration.
	for _, c := range []extract.SavedConfiguration{
		newConfiguration(f.prj, "Invoices", 30),
		func() extract.SavedConfiguration {
			c := newConfiguration(f.prj, "invoices", 31)
			c.ProductType = "other_product"
			return c
		}(),
		newConfiguration(f.other, "invoices", 32),
	} {
		got, created, err := f.st.UpsertConfiguration(ctx, c)
		if err != nil || !created || got.ID != c.ID {
			t.Errorf("UpsertConfiguration(%s, %s, %s) = %s, created %v, %v; want %s created", c.ProjectID, c.ProductType, c.Name, got.ID, created, err, c.ID)
		}
	}

	t.Run("NewestOfSeveral", func(t *testing.T) {
		// Configurations saved before creation was an upsert can share a
		// name: the newest is the one updated.
		old, newer := newConfiguration(f.prj, "dup", 40), newConfiguration(f.prj, "dup", 41)
		for _, c := range []extract.SavedConfiguration{old, newer} {
			if err := f.st.CreateConfiguration(ctx, c); err != nil {
				t.Fatalf("CreateConfiguration: %v", err)
			}
		}
		got, created, err := f.st.UpsertConfiguration(ctx, newConfiguration(f.prj, "dup", 50))
		if err != nil || created || got.ID != newer.ID || got.Version != 2 {
			t.Errorf("UpsertConfiguration(dup) = %s v%d, created %v, %v; want %s v2 updated", got.ID, got.Version, created, err, newer.ID)
		}
	})
	t.Run("ErrNoProject", func(t *testing.T) {
		c := newConfiguration(extract.Project{ID: id.New(id.Project)}, "x", 60)
		_, _, err := f.st.UpsertConfiguration(ctx, c)
		wantCode(t, "UpsertConfiguration(no project)", err, extract.CodeNotFound, "")
	})
}

// testUpsertConfigurationConcurrent upserts one name from several
// goroutines at once: one creates, the others update it.
func testUpsertConfigurationConcurrent(t *testing.T, f *fixture) {
	ctx := t.Context()
	const n = 8
	var wg sync.WaitGroup
	ids := make([]string, n)
	createdCount := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, created, err := f.st.UpsertConfiguration(ctx, newConfiguration(f.prj, "race", i))
			ids[i], createdCount[i], errs[i] = got.ID, created, err
		}()
	}
	wg.Wait()
	creates := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("UpsertConfiguration #%d: %v", i, errs[i])
		}
		if createdCount[i] {
			creates++
		}
		if ids[i] != ids[0] {
			t.Errorf("UpsertConfiguration #%d = %s, #0 = %s; want one configuration", i, ids[i], ids[0])
		}
	}
	if creates != 1 {
		t.Errorf("%d upserts created; want 1", creates)
	}
	cs, err := f.st.ListConfigurations(ctx, extract.ConfigFilter{ProjectID: f.prj.ID, Name: "race"}, extract.Page{Limit: 10})
	if err != nil || len(cs) != 1 || cs[0].Version != n {
		t.Errorf("ListConfigurations(race) = %d configurations (version %v), %v; want one at version %d", len(cs), versions(cs), err, n)
	}
}

func versions(cs []extract.SavedConfiguration) []int {
	var out []int
	for _, c := range cs {
		out = append(out, c.Version)
	}
	return out
}
