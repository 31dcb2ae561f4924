package gormstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type orgRepo repos

var _ ports.OrganizationRepo = orgRepo{}

func (r orgRepo) Create(ctx context.Context, o domain.Organization) (domain.Organization, error) {
	row, err := orgToRow(o)
	if err != nil {
		return o, err
	}
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isConstraint(err, "orgkit_organizations_slug_key") {
			return o, domain.ErrSlugTaken
		}
		return o, dbErr("insert organization", err)
	}
	return row.toDomain()
}

// one reads the organization a condition on o selects.
func (r orgRepo) one(ctx context.Context, where string, args ...any) (domain.Organization, error) {
	return r.oneWith(ctx, "", nil, where, args...)
}

// oneWith is one with an extra selected column, scanned into extra, whose arguments come
// before where's.
func (r orgRepo) oneWith(ctx context.Context, column string, extra any, where string, args ...any) (domain.Organization, error) {
	return r.oneQuery(ctx, "SELECT "+orgColumns+column+" FROM orgkit_organizations o WHERE "+where+" LIMIT 1", extra, args...)
}

// oneQuery reads the one organization query selects (orgColumns, then extra's column when
// extra is not nil). Errors: organization_not_found.
func (r orgRepo) oneQuery(ctx context.Context, query string, extra any, args ...any) (domain.Organization, error) {
	rows, err := r.db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return domain.Organization{}, dbErr("select organization", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return domain.Organization{}, dbErr("select organization", err)
		}
		return domain.Organization{}, domain.ErrOrganizationNotFound
	}
	var dest []any
	if extra != nil {
		dest = append(dest, extra)
	}
	o, err := scanOrg(rows, dest...)
	if err != nil {
		return o, dbErr("scan organization", err)
	}
	return o, dbErr("select organization", rows.Close())
}

func (r orgRepo) Get(ctx context.Context, id int64) (domain.Organization, error) {
	return r.one(ctx, "o.id = ?", id)
}

func (r orgRepo) GetWithRole(ctx context.Context, id, userID int64) (domain.Organization, domain.Role, error) {
	var role *string
	o, err := r.oneWith(ctx, ", (SELECT role FROM orgkit_memberships r WHERE r.organization_id = o.id AND r.user_id = ?)", &role,
		"o.id = ?", userID, id)
	if err != nil || role == nil {
		return o, "", err
	}
	return o, domain.Role(*role), nil
}

func (r orgRepo) GetForUpdate(ctx context.Context, id int64) (domain.Organization, error) {
	lock := " FOR UPDATE" // SQLite has none: its transactions take the write lock at BEGIN
	if r.dialect == SQLite {
		lock = ""
	}
	return r.oneQuery(ctx, "SELECT "+orgColumns+" FROM orgkit_organizations o WHERE o.id = ?"+lock, nil, id)
}

func (r orgRepo) GetBySlug(ctx context.Context, slug string) (domain.Organization, error) {
	return r.one(ctx, "o.slug = ?", slug)
}

func (r orgRepo) Joinable(ctx context.Context, domainName string, userID int64) ([]domain.Organization, error) {
	query := "SELECT " + orgColumns + ` FROM orgkit_organizations o
 WHERE o.status = ? AND o.allow_public_signup
 AND EXISTS (SELECT 1 FROM orgkit_domains d WHERE d.organization_id = o.id AND d.domain = ? AND d.status = ?)
 AND NOT EXISTS (SELECT 1 FROM orgkit_memberships jm WHERE jm.organization_id = o.id AND jm.user_id = ?)
 ORDER BY o.name, o.id`
	out := []domain.Organization{}
	err := r.scanAll(ctx, query, []any{string(domain.StatusActive), domainName, string(domain.DomainVerified), userID},
		func(rows *sql.Rows) error {
			o, err := scanOrg(rows)
			out = append(out, o)
			return err
		})
	return out, dbErr("list joinable organizations", err)
}

// scanAll runs query and calls scan for every row.
func (r orgRepo) scanAll(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := r.db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

func (r orgRepo) PublicBySlug(ctx context.Context, slug string) (domain.PublicOrganization, error) {
	return takePublic(r.db.WithContext(ctx).Table("orgkit_organizations o").
		Where("o.slug = ? AND o.status = ?", slug, string(domain.StatusActive)))
}

func (r orgRepo) List(ctx context.Context, q domain.OrganizationQuery) (domain.Page[domain.Organization], error) {
	page := domain.Page[domain.Organization]{Page: q.Page, PageSize: q.PageSize, Items: []domain.Organization{}}
	col, ok := sortColumns[q.Sort.Field]
	if !ok {
		return page, domain.InvalidField("sort", "cannot sort by %q", q.Sort.Field)
	}
	where, args := r.listFilter(q)
	dir, after := "ASC", ">"
	if q.Sort.Desc {
		dir, after = "DESC", "<"
	}
	pageWhere, pageArgs := where, args
	if q.After != nil {
		page.Page = 0
		v, err := cursorValue(q.After)
		if err != nil {
			return page, err
		}
		pageWhere = append(slices.Clone(where), "("+col+", o.id) "+after+" (?, ?)")
		pageArgs = append(slices.Clone(args), v, q.After.ID)
	}
	total, totalArgs := r.totalColumn(q)
	order := " ORDER BY " + col + " " + dir + ", o.id " + dir
	query := "SELECT " + orgColumns + total + " FROM orgkit_organizations o" + whereSQL(pageWhere) + order + " LIMIT ? OFFSET ?"
	if q.Offset() > 0 {
		// Rows an offset skips are read from the sort's index alone: ids first, then the
		// page's rows (offset 500,000 of 1M: 80 ms, against a second reading every row).
		inner, outer := total, ", p.orgkit_total"
		if total == "" || r.countsKept(q) {
			inner, outer = "", total
		} else {
			inner += " AS orgkit_total"
		}
		query = "SELECT " + orgColumns + outer + " FROM orgkit_organizations o JOIN (SELECT o.id" + inner +
			" FROM orgkit_organizations o" + whereSQL(pageWhere) + order + " LIMIT ? OFFSET ?) p ON p.id = o.id" + order
	}
	pageArgs = append(append(totalArgs, pageArgs...), q.PageSize+1, q.Offset()) // one more tells whether a page follows
	err := r.scanAll(ctx, query, pageArgs, func(rows *sql.Rows) error {
		var extra []any
		if total != "" {
			extra = append(extra, &page.Total)
		}
		o, err := scanOrg(rows, extra...)
		page.Items = append(page.Items, o)
		return err
	})
	if err != nil {
		return page, dbErr("list organizations", err)
	}
	if len(page.Items) > q.PageSize {
		page.Items = page.Items[:q.PageSize]
		page.Next = domain.CursorAfter(q.Sort, page.Items[q.PageSize-1])
	}
	if total == "" || len(page.Items) == 0 { // an empty page carries no total
		if page.Total, err = r.count(ctx, q, where, args); err != nil {
			return page, err
		}
	}
	return page, nil
}

// listFilter is the WHERE of a list query, as conditions on o and their arguments.
func (r orgRepo) listFilter(q domain.OrganizationQuery) ([]string, []any) {
	var where []string
	var args []any
	if q.MemberID != nil {
		// On Postgres the member's organization ids come as one array, which the planner
		// looks up by primary key; as IN (subquery) it would hash-join a scan of every
		// organization as soon as a member has a few hundred.
		member := "o.id IN (SELECT organization_id FROM orgkit_memberships WHERE user_id = ?)"
		if r.dialect == Postgres {
			member = "o.id = ANY(ARRAY(SELECT organization_id FROM orgkit_memberships WHERE user_id = ?))"
		}
		where = append(where, member)
		args = append(args, *q.MemberID)
	}
	if q.Status != nil {
		where = append(where, "o.status = ?")
		args = append(args, string(*q.Status))
	}
	if q.Search != "" {
		like := "%" + escapeLike(strings.ToLower(q.Search)) + "%"
		where = append(where, `(lower(o.name) LIKE ? ESCAPE '\' OR lower(o.slug) LIKE ? ESCAPE '\')`)
		args = append(args, like, like)
	}
	return where, args
}

func whereSQL(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// cursorValue is the cursor's sort value as the column compares it.
func cursorValue(c *domain.Cursor) (any, error) {
	if c.Sort.Field == "name" {
		return c.Value, nil
	}
	t, err := c.Time()
	if err != nil {
		return nil, domain.InvalidField("cursor", "cursor is not one this service made")
	}
	return t.UTC(), nil
}

// totalColumn is the column that carries the list's total on every row of its page, and its
// arguments (which come before the query's own): the count the triggers keep for an
// unfiltered list (never a million rows counted), and count(*) OVER () for a member's
// organizations, few enough to count. A search (its matches are counted faster through the
// trigram index than by the window) and a keyset page of a filtered list (its WHERE is not
// the list's) have none: count then asks separately.
func (r orgRepo) totalColumn(q domain.OrganizationQuery) (string, []any) {
	switch {
	case r.countsKept(q) && q.Status != nil:
		return ", (SELECT COALESCE(SUM(n), 0) FROM orgkit_organization_counts WHERE status = ?)", []any{string(*q.Status)}
	case r.countsKept(q):
		return ", (SELECT COALESCE(SUM(n), 0) FROM orgkit_organization_counts)", nil
	case q.MemberID != nil && q.Search == "" && q.After == nil:
		return ", count(*) OVER ()", nil
	}
	return "", nil
}

// countsKept reports whether q's total is read from orgkit_organization_counts: every
// organization, or those of one status.
func (r orgRepo) countsKept(q domain.OrganizationQuery) bool {
	return q.MemberID == nil && q.Search == ""
}

// count is the total of the list q filters.
func (r orgRepo) count(ctx context.Context, q domain.OrganizationQuery, where []string, args []any) (int64, error) {
	query := "SELECT count(*) FROM orgkit_organizations o" + whereSQL(where)
	if r.countsKept(q) {
		query, args = "SELECT COALESCE(SUM(n), 0) FROM orgkit_organization_counts", nil
		if q.Status != nil {
			query, args = query+" WHERE status = ?", []any{string(*q.Status)}
		}
	}
	var n int64
	if err := r.db.WithContext(ctx).Raw(query, args...).Row().Scan(&n); err != nil {
		return 0, dbErr("count organizations", err)
	}
	return n, nil
}

// sortColumns is the store's own map from the domain's sort names to columns: nothing a
// caller sends is ever spliced into SQL.
var sortColumns = map[string]string{"name": "o.name", "created_at": "o.created_at", "updated_at": "o.updated_at"}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (r orgRepo) Update(ctx context.Context, o domain.Organization, columns []string) (domain.Organization, error) {
	row, err := orgToRow(o)
	if err != nil {
		return o, err
	}
	res := r.db.WithContext(ctx).Table("orgkit_organizations").Where("id = ?", o.ID).Updates(row.columnValues(columns))
	if res.Error != nil {
		return o, dbErr("update organization", res.Error)
	}
	if res.RowsAffected == 0 {
		return o, domain.ErrOrganizationNotFound
	}
	return r.Get(ctx, o.ID)
}

func (r orgRepo) Delete(ctx context.Context, id int64) error {
	db := r.db.WithContext(ctx)
	// Explicit deletes rather than relying on ON DELETE alone, so the statement list is the
	// documentation of what "all its associated data" means.
	if err := db.Exec("UPDATE orgkit_users SET current_organization_id = NULL WHERE current_organization_id = ?", id).Error; err != nil {
		return dbErr("clear current organization", err)
	}
	for _, table := range []string{"orgkit_memberships", "orgkit_api_keys", "orgkit_domains", "orgkit_invites", "orgkit_invitations"} {
		if err := db.Exec("DELETE FROM "+table+" WHERE organization_id = ?", id).Error; err != nil {
			return dbErr("delete "+table, err)
		}
	}
	res := db.Exec("DELETE FROM orgkit_organizations WHERE id = ?", id)
	if res.Error != nil {
		return dbErr("delete organization", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrOrganizationNotFound
	}
	return nil
}

func (r orgRepo) LockCreates(ctx context.Context) error {
	sql := "LOCK TABLE orgkit_organizations IN SHARE ROW EXCLUSIVE MODE"
	if r.dialect == SQLite {
		// A write that changes nothing still takes the database's write lock (RESERVED) now,
		// in a transaction its host may have begun deferred.
		sql = "UPDATE orgkit_organizations SET id = id WHERE 0 = 1"
	}
	if err := r.db.WithContext(ctx).Exec(sql).Error; err != nil {
		return dbErr("lock organization creates", err)
	}
	return nil
}

func (r orgRepo) BlobKeys(ctx context.Context, ids []int64) ([]string, error) {
	out := []string{}
	if len(ids) == 0 {
		return out, nil
	}
	err := r.scanAll(ctx, "SELECT logo_blob_key, icon_blob_key FROM orgkit_organizations WHERE id IN ?", []any{ids},
		func(rows *sql.Rows) error {
			var logo, icon *string
			if err := rows.Scan(&logo, &icon); err != nil {
				return err
			}
			for _, k := range []*string{logo, icon} {
				if k != nil {
					out = append(out, *k)
				}
			}
			return nil
		})
	return out, dbErr("select blob keys", err)
}
