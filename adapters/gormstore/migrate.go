package gormstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/gorm"
)

//go:embed migrations legacy
var migrationFiles embed.FS

// VersionTable is goose's version table for orgkit's migrations: prefixed like every orgkit
// name, so a host's own goose history (goose_db_version by default) stays its own.
const VersionTable = "orgkit_goose_db_version"

// Migrations are orgkit's goose migrations for a dialect ("postgres" or "sqlite"), for a
// host that runs them with its own tool: give that tool VersionTable as its version table.
func Migrations(d Dialect) (fs.FS, error) {
	if d != Postgres && d != SQLite {
		return nil, fmt.Errorf("gormstore: no migrations for dialect %q: want postgres or sqlite", d)
	}
	return fs.Sub(migrationFiles, "migrations/"+string(d))
}

func (s *Store) migrator() (*goose.Provider, error) {
	sub, err := Migrations(s.dialect)
	if err != nil {
		return nil, err
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	if s.dialect == SQLite {
		return goose.NewProvider(goose.DialectSQLite3, sqlDB, sub, goose.WithTableName(VersionTable))
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, sqlDB, sub, goose.WithTableName(VersionTable), goose.WithSessionLocker(locker))
}

// Migrate applies every pending migration and returns the versions it applied. A database
// made before orgkit's names were prefixed is renamed in place first. Postgres migrations
// take goose's session lock, so replicas starting together migrate once.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	if err := s.upgradeLegacy(ctx); err != nil {
		return nil, fmt.Errorf("migrate: upgrade unprefixed schema: %w", err)
	}
	p, err := s.migrator()
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	var applied []int64
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	if err != nil {
		return applied, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}

// MigrationStatus lists each known migration version and whether it is applied.
func (s *Store) MigrationStatus(ctx context.Context) (map[int64]bool, error) {
	p, err := s.migrator()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, m := range st {
		out[m.Source.Version] = m.State == goose.StateApplied
	}
	return out, nil
}

// legacyLock serializes legacy upgrades of replicas starting together on one Postgres.
const legacyLock = int64(0x6f726701) << 32

// upgradeLegacy renames a database whose orgkit tables and goose history predate the
// orgkit_ prefix (tables named organizations, users, …; versions in goose_db_version) to the
// layout migrations 1-3 make today, and copies its history into VersionTable, all in one
// transaction. It does nothing on any other database.
func (s *Store) upgradeLegacy(ctx context.Context) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", legacyLock).Error; err != nil {
				return err
			}
		}
		legacy, err := s.isLegacy(tx)
		if err != nil || !legacy {
			return err
		}
		script, err := migrationFiles.ReadFile("legacy/rename_" + string(s.dialect) + ".sql")
		if err != nil {
			return err
		}
		if err := tx.Exec(string(script)).Error; err != nil {
			return err
		}
		return s.copyHistory(ctx, tx)
	})
}

// isLegacy reports the old layout, recognised by orgkit's own fingerprint rather than by
// table names a host could share: no VersionTable yet; goose's default history holding only
// orgkit's first versions; and orgkit's five tables with columns only orgkit gives them.
func (s *Store) isLegacy(tx *gorm.DB) (bool, error) {
	for _, t := range []struct {
		name string
		want bool
	}{{VersionTable, false}, {"goose_db_version", true}} {
		ok, err := s.tableExists(tx, t.name)
		if err != nil || ok != t.want {
			return false, err
		}
	}
	for table, column := range legacyFingerprint {
		ok, err := s.columnExists(tx, table, column)
		if err != nil || !ok {
			return false, err
		}
	}
	var others int64
	err := tx.Raw("SELECT count(*) FROM goose_db_version WHERE version_id NOT IN (0, 1, 2)").Scan(&others).Error
	return err == nil && others == 0, err
}

// legacyFingerprint is a column of each table of the unprefixed schema that only orgkit has.
var legacyFingerprint = map[string]string{
	"organizations": "require_email_verification", "users": "current_organization_id",
	"memberships": "role", "api_keys": "seal_key_id", "audit_logs": "prev_hash",
}

func (s *Store) tableExists(tx *gorm.DB, name string) (bool, error) {
	var n int64
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if s.dialect == Postgres {
		q = "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?"
	}
	err := tx.Raw(q, name).Scan(&n).Error
	return n > 0, err
}

func (s *Store) columnExists(tx *gorm.DB, table, column string) (bool, error) {
	var n int64
	q := "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?"
	if s.dialect == Postgres {
		q = "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?"
	}
	err := tx.Raw(q, table, column).Scan(&n).Error
	return n > 0, err
}

// copyHistory records in VersionTable the versions of orgkit's that goose_db_version says
// are applied.
func (s *Store) copyHistory(ctx context.Context, tx *gorm.DB) error {
	var versions []int64
	if err := tx.Raw("SELECT version_id FROM goose_db_version WHERE is_applied AND version_id IN (1, 2) ORDER BY id").Scan(&versions).Error; err != nil {
		return err
	}
	d := database.DialectSQLite3
	if s.dialect == Postgres {
		d = database.DialectPostgres
	}
	store, err := database.NewStore(d, VersionTable)
	if err != nil {
		return err
	}
	conn, ok := tx.Statement.ConnPool.(database.DBTxConn)
	if !ok {
		return fmt.Errorf("transaction %T cannot run goose statements", tx.Statement.ConnPool)
	}
	if err := store.CreateVersionTable(ctx, conn); err != nil {
		return err
	}
	// Version 0 is the row goose writes when it creates a version table; it looks for it.
	for _, v := range append([]int64{0}, versions...) {
		if err := store.Insert(ctx, conn, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	return nil
}
