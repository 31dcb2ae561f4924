package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// SeedOptions sizes the synthetic data set Seed writes.
type SeedOptions struct {
	Organizations int  // organizations to add, at least 1
	MembersPerOrg int  // memberships of each organization, at least 1; the first is its owner
	Force         bool // add to a database that already has organizations
	// Now is the newest creation time (zero: the clock's now); creations spread over the
	// three years before it.
	Now time.Time
	// Progress, when set, hears of each table loaded: rows added and the time they took.
	Progress func(table string, rows int64, took time.Duration)
}

// SeedResult is what Seed added.
type SeedResult struct {
	Organizations, Users, Memberships, Domains int64
	FirstOrganizationID, FirstUserID           int64 // the ids run on from these, without gaps
	Took                                       time.Duration
}

// ErrSeedNotEmpty is Seed's refusal of a database that has organizations when not forced.
var ErrSeedNotEmpty = errors.New("the database already has organizations")

// Seed fills the database with synthetic organizations, users, memberships and verified
// custom domains for benchmarks and capacity tests: an operator's tool (orgkit dev seed),
// never used by the app. Everything is added in one transaction, by COPY on Postgres and
// multi-row inserts on SQLite; orgkit_organization_counts follows through its triggers. On
// Postgres the transaction blocks writes to organizations and users while it runs, and the
// foreign keys of memberships and domains are dropped and added again, every row validated,
// before it commits: meant for a database of its own, not one in service.
//
// The data set is deterministic. Organizations take the ids after the largest ever used;
// organization <id> has slug org-<id, 7 digits> and name "<word> <sector> <id>", the word
// one of 4,096 (Acme is one) and the sector one of 16, so the name order is unrelated to ids
// and a search for "acme" matches about 1 in 4,000. Statuses are 94% active, 3% suspended,
// 3% archived. Each organization has MembersPerOrg memberships, the first its owner; every
// 10th has the verified domain org<id>.seed.example (never re-checked: no TXT record proves
// it). Users are user-<id>@seed.example, verified: max(MembersPerOrg,
// Organizations*MembersPerOrg/10) of them share the memberships evenly, about 10
// organizations each (more than most people belong to, so member lists are not trivially
// short), plus one consultant per 1,000 organizations, the second member (an admin) of 1,000
// of them: the heavy member lists.
//
// Errors: ErrSeedNotEmpty; options out of range; on Postgres, a pool whose driver is not
// pgx's database/sql driver (COPY needs pgx); any database error, after which nothing was
// added.
func Seed(ctx context.Context, s *Store, o SeedOptions) (SeedResult, error) {
	if o.Organizations < 1 || o.MembersPerOrg < 1 || o.Organizations > 99_999_999 || o.MembersPerOrg > 10_000 {
		return SeedResult{}, errors.New("gormstore: seed: want 1 to 99,999,999 organizations and 1 to 10,000 members each")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return SeedResult{}, fmt.Errorf("gormstore: seed: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return SeedResult{}, fmt.Errorf("gormstore: seed: %w", err)
	}
	defer conn.Close()
	start := time.Now()
	var res SeedResult
	if s.dialect == Postgres {
		err = conn.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("COPY needs the pgx driver, not %T", dc)
			}
			return pgx.BeginFunc(ctx, sc.Conn(), func(tx pgx.Tx) (err error) {
				res, err = seed(ctx, pgSeedTx{tx}, Postgres, o)
				return err
			})
		})
	} else {
		res, err = sqliteSeed(ctx, conn, o)
	}
	if err != nil {
		return SeedResult{}, fmt.Errorf("gormstore: seed: %w", err)
	}
	res.Took = time.Since(start)
	return res, nil
}

// seedTx is one transaction of either database, as seed uses it.
type seedTx interface {
	queryInt(ctx context.Context, query string) (int64, error)
	exec(ctx context.Context, query string) error
	load(ctx context.Context, t seedTable) error
}

// seedTable is a table's synthetic rows: row fills dst with the values of row i.
type seedTable struct {
	name    string
	columns []string
	rows    int64
	row     func(i int64, dst []any)
	// bulkFKs: on Postgres, the table's foreign keys are dropped before the load and added
	// again (same names and definitions, every row validated) in the same transaction: one
	// join instead of a lookup a row, which is most of the time of 10M memberships.
	bulkFKs bool
	// quiet are triggers of the table switched off for the load (Postgres): what they keep is
	// written by the load itself (members_count, in the organizations' rows).
	quiet []string
}

func seed(ctx context.Context, tx seedTx, d Dialect, o SeedOptions) (SeedResult, error) {
	if d == Postgres { // the ids stay the seed's; reads go on (SQLite's BEGIN IMMEDIATE is the one writer)
		if err := tx.exec(ctx, "LOCK TABLE orgkit_organizations, orgkit_users IN EXCLUSIVE MODE"); err != nil {
			return SeedResult{}, err
		}
	}
	n, err := tx.queryInt(ctx, "SELECT count(*) FROM orgkit_organizations")
	if err != nil {
		return SeedResult{}, err
	}
	if n > 0 && !o.Force {
		return SeedResult{}, fmt.Errorf("%w (%d)", ErrSeedNotEmpty, n)
	}
	p := seedPlan{orgs: int64(o.Organizations), perOrg: int64(o.MembersPerOrg), now: o.Now.UTC().Truncate(time.Microsecond),
		presetCounts: d == Postgres}
	if p.orgBase, err = tx.queryInt(ctx, lastID(d, "orgkit_organizations")); err != nil {
		return SeedResult{}, err
	}
	if p.userBase, err = tx.queryInt(ctx, lastID(d, "orgkit_users")); err != nil {
		return SeedResult{}, err
	}
	p.plan()
	for _, t := range p.tables() {
		began := time.Now()
		if err := tx.load(ctx, t); err != nil {
			return SeedResult{}, fmt.Errorf("load %s: %w", t.name, err)
		}
		if o.Progress != nil {
			o.Progress(t.name, t.rows, time.Since(began))
		}
	}
	if d == Postgres { // the ids were given, not drawn: move the identities past them
		for table, last := range map[string]int64{"orgkit_organizations": p.orgBase + p.orgs, "orgkit_users": p.userBase + p.users()} {
			if err := tx.exec(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), %d)", table, last)); err != nil {
				return SeedResult{}, err
			}
		}
	}
	return SeedResult{Organizations: p.orgs, Users: p.users(), Memberships: p.orgs * p.perOrg, Domains: p.domains(),
		FirstOrganizationID: p.orgBase + 1, FirstUserID: p.userBase + 1}, nil
}

// lastID is the largest id the table has ever handed out, deleted rows' included, so seeded
// ids reuse none.
func lastID(d Dialect, table string) string {
	if d == Postgres {
		return fmt.Sprintf("SELECT GREATEST((SELECT coalesce(max(id), 0) FROM %[1]s), coalesce(pg_sequence_last_value(pg_get_serial_sequence('%[1]s', 'id')::regclass), 0))", table)
	}
	return fmt.Sprintf("SELECT max((SELECT coalesce(max(id), 0) FROM %[1]s), coalesce((SELECT seq FROM sqlite_sequence WHERE name = '%[1]s'), 0))", table)
}

// seedChunk is the rows of one COPY: the work each statement leaves to its triggers (the
// counts' transition table, foreign-key checks) stays bounded.
const seedChunk = 250_000

type pgSeedTx struct{ tx pgx.Tx }

func (t pgSeedTx) queryInt(ctx context.Context, q string) (n int64, err error) {
	err = t.tx.QueryRow(ctx, q).Scan(&n)
	return n, err
}

func (t pgSeedTx) exec(ctx context.Context, q string) error { _, err := t.tx.Exec(ctx, q); return err }

func (t pgSeedTx) load(ctx context.Context, tb seedTable) error {
	var fks []string
	if tb.bulkFKs {
		var err error
		if fks, err = t.dropForeignKeys(ctx, tb.name); err != nil {
			return err
		}
	}
	for _, trigger := range tb.quiet { // the transaction's lock on the table hides this from others
		if err := t.exec(ctx, "ALTER TABLE "+tb.name+" DISABLE TRIGGER "+trigger); err != nil {
			return err
		}
	}
	if err := t.copy(ctx, tb); err != nil {
		return err
	}
	for _, trigger := range tb.quiet {
		if err := t.exec(ctx, "ALTER TABLE "+tb.name+" ENABLE TRIGGER "+trigger); err != nil {
			return err
		}
	}
	if len(fks) == 0 {
		return nil
	}
	return t.exec(ctx, "ALTER TABLE "+tb.name+" "+strings.Join(fks, ", "))
}

// dropForeignKeys drops the foreign keys of table and returns the ALTER TABLE clauses that
// add them again.
func (t pgSeedTx) dropForeignKeys(ctx context.Context, table string) ([]string, error) {
	rows, err := t.tx.Query(ctx, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var drop, add []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		name = pgx.Identifier{name}.Sanitize()
		drop, add = append(drop, "DROP CONSTRAINT "+name), append(add, "ADD CONSTRAINT "+name+" "+def)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(drop) == 0 {
		return nil, err
	}
	return add, t.exec(ctx, "ALTER TABLE "+table+" "+strings.Join(drop, ", "))
}

func (t pgSeedTx) copy(ctx context.Context, tb seedTable) error {
	row := make([]any, len(tb.columns))
	for from := int64(0); from < tb.rows; from += seedChunk {
		size := min(seedChunk, tb.rows-from)
		_, err := t.tx.CopyFrom(ctx, pgx.Identifier{tb.name}, tb.columns, pgx.CopyFromSlice(int(size), func(i int) ([]any, error) {
			tb.row(from+int64(i), row)
			return row, nil
		}))
		if err != nil {
			return err
		}
	}
	return nil
}

// sqliteSeed runs seed in one transaction of conn (BEGIN IMMEDIATE with orgkit's URLs).
func sqliteSeed(ctx context.Context, conn *sql.Conn, o SeedOptions) (SeedResult, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return SeedResult{}, err
	}
	defer func() { _ = tx.Rollback() }()
	res, err := seed(ctx, sqliteSeedTx{tx}, SQLite, o)
	if err != nil {
		return SeedResult{}, err
	}
	return res, tx.Commit()
}

type sqliteSeedTx struct{ tx *sql.Tx }

func (t sqliteSeedTx) queryInt(ctx context.Context, q string) (n int64, err error) {
	err = t.tx.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

func (t sqliteSeedTx) exec(ctx context.Context, q string) error {
	_, err := t.tx.ExecContext(ctx, q)
	return err
}

// load inserts up to 1,024 values a statement: SQLite allows 32,766, but the driver binds
// each value by searching the arguments, so larger statements are slower.
func (t sqliteSeedTx) load(ctx context.Context, tb seedTable) error {
	cols := int64(len(tb.columns))
	batch := 1024 / cols
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", int(cols)), ",") + ")"
	var stmt *sql.Stmt
	var stmtRows int64
	defer func() {
		if stmt != nil {
			_ = stmt.Close()
		}
	}()
	args := make([]any, batch*cols)
	for from := int64(0); from < tb.rows; from += batch {
		size := min(batch, tb.rows-from)
		if size != stmtRows {
			if stmt != nil {
				_ = stmt.Close()
			}
			q := "INSERT INTO " + tb.name + " (" + strings.Join(tb.columns, ", ") + ") VALUES " +
				strings.TrimSuffix(strings.Repeat(one+",", int(size)), ",")
			var err error
			if stmt, err = t.tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			stmtRows = size
		}
		for i := range size {
			tb.row(from+i, args[i*cols:(i+1)*cols])
		}
		if _, err := stmt.ExecContext(ctx, args[:size*cols]...); err != nil {
			return err
		}
	}
	return nil
}

// seedPlan derives every seeded row from its index: nothing is held in memory.
type seedPlan struct {
	orgs, perOrg      int64
	orgBase, userBase int64
	consultants       int64 // users 1..consultants: the second member of 1,000 organizations each
	regular           int64 // the other users, sharing the other memberships evenly
	now               time.Time
	// presetCounts: organizations are written with their members_count and the memberships
	// load quiets the trigger that keeps it (Postgres), instead of that trigger updating a
	// million organization rows again; SQLite's row triggers count as rows come.
	presetCounts bool
}

const (
	seedSpan        = 3 * 365 * 24 * time.Hour
	seedDomainEvery = 10
)

func (p *seedPlan) plan() {
	p.regular = max(p.perOrg, p.orgs*p.perOrg/10)
	if p.perOrg > 1 {
		p.consultants = (p.orgs + 999) / 1000
	}
}

func (p seedPlan) users() int64   { return p.consultants + p.regular }
func (p seedPlan) domains() int64 { return (p.orgs + seedDomainEvery - 1) / seedDomainEvery }

// at spreads index i of n over the span before now, in order.
func (p seedPlan) at(i, n int64) time.Time {
	return p.now.Add(-seedSpan + time.Duration(i+1)*(seedSpan/time.Duration(n))).Truncate(time.Microsecond)
}

func (p seedPlan) tables() []seedTable {
	orgColumns := []string{"id", "name", "slug", "status", "allow_public_signup", "language_code", "created_at", "updated_at"}
	var quiet []string
	if p.presetCounts {
		orgColumns = append(orgColumns, "members_count")
		quiet = []string{"orgkit_memberships_count_insert"}
	}
	return []seedTable{
		{"orgkit_users", []string{"id", "subject", "email", "email_verified", "name", "created_at", "updated_at"}, p.users(), p.user, false, nil},
		{"orgkit_organizations", orgColumns, p.orgs, p.org, false, nil},
		{"orgkit_memberships", []string{"organization_id", "user_id", "role", "created_at"}, p.orgs * p.perOrg, p.membership, true, quiet},
		{"orgkit_domains", []string{"organization_id", "domain", "domain_type", "status", "verification_token", "verified_at", "last_check_at", "created_at", "updated_at"}, p.domains(), p.domain, true, nil},
	}
}

func (p seedPlan) user(i int64, dst []any) {
	id := p.userBase + i + 1
	at := p.at(i, p.users())
	dst[0], dst[1], dst[2], dst[3], dst[4], dst[5], dst[6] = id, fmt.Sprintf("seed|%d", id),
		fmt.Sprintf("user-%d@seed.example", id), true, fmt.Sprintf("User %d", id), at, at
}

func (p seedPlan) org(i int64, dst []any) {
	id := p.orgBase + i + 1
	h := splitmix(uint64(id))
	status := "active"
	switch r := h % 100; {
	case r >= 97:
		status = "archived"
	case r >= 94:
		status = "suspended"
	}
	created := p.at(i, p.orgs)
	updated := created.Add(time.Duration((h >> 8) % uint64(p.now.Sub(created)+1))).Truncate(time.Microsecond)
	name := fmt.Sprintf("%s %s %07d", seedWord(h>>40), seedSectors[(h>>52)%uint64(len(seedSectors))], id)
	dst[0], dst[1], dst[2], dst[3], dst[4], dst[5], dst[6], dst[7] = id, name, fmt.Sprintf("org-%07d", id), status,
		i%seedDomainEvery == 0, "en", created, updated
	if p.presetCounts {
		dst[8] = p.perOrg // every organization gets perOrg memberships
	}
}

// membership i is slot j of organization k: j 0 is the owner, j 1 a consultant (an admin),
// the others the regular users that follow the previous organization's.
func (p seedPlan) membership(i int64, dst []any) {
	k, j := i/p.perOrg, i%p.perOrg
	role := "member"
	switch {
	case j == 0:
		role = "owner"
	case j == 1 || j%5 == 0:
		role = "admin"
	case j%3 == 0:
		role = "viewer"
	}
	var user int64
	if j == 1 && p.consultants > 0 {
		user = k % p.consultants
	} else {
		slots, slot := p.perOrg, j
		if p.consultants > 0 {
			slots--
			if j > 1 {
				slot--
			}
		}
		user = p.consultants + (k*slots+slot)%p.regular
	}
	dst[0], dst[1], dst[2], dst[3] = p.orgBase+k+1, p.userBase+user+1, role, p.at(k, p.orgs).Add(time.Duration(j)*time.Second)
}

func (p seedPlan) domain(i int64, dst []any) {
	k := i * seedDomainEvery
	id := p.orgBase + k + 1
	created := p.at(k, p.orgs)
	verified := created.Add(time.Hour)
	dst[0], dst[1], dst[2], dst[3], dst[4], dst[5], dst[6], dst[7], dst[8] = id, fmt.Sprintf("org%d.seed.example", id),
		"portal", "verified", fmt.Sprintf("seed-%d", id), verified, verified, created, verified
}

// seedWord is one of 4,096 made-up words; word 0 is Acme.
func seedWord(h uint64) string {
	i := h % 4096
	if i == 0 {
		return "Acme"
	}
	return seedHeads[i%16] + seedMids[(i/16)%16] + seedTails[i/256]
}

var (
	seedHeads   = []string{"Al", "Bel", "Cor", "Dar", "El", "Fen", "Gal", "Hal", "Ir", "Jun", "Kel", "Lor", "Mar", "Nor", "Os", "Pel"}
	seedMids    = []string{"a", "e", "i", "o", "u", "ae", "io", "ar", "en", "is", "on", "ul", "ev", "ix", "ra", "y"}
	seedTails   = []string{"tech", "ville", "nova", "gen", "stone", "bridge", "field", "wood", "port", "line", "works", "dyne", "corp", "ton", "ia", "ex"}
	seedSectors = []string{"Health", "Labs", "Systems", "Group", "Partners", "Clinic", "Foods", "Logistics",
		"Energy", "Media", "Capital", "Studio", "Retail", "Dental", "Legal", "Software"}
)

// splitmix is SplitMix64's finalizer: a fixed, well-spread hash of an id.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
