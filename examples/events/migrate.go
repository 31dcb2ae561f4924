package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
)

//go:embed migrations
var hostMigrations embed.FS

// hostVersionTable is goose's history of the host's own migrations, prefixed like the
// host's tables and apart from orgkit's (orgkit_goose_db_version).
const hostVersionTable = "host_goose_db_version"

// migrate applies orgkit's migrations (k.Migrate), then the host's: host_events references
// orgkit_organizations. On Postgres the host's run under goose's session lock, as orgkit's
// do, so replicas starting together migrate once.
func migrate(ctx context.Context, k *orgkit.Kit, db *gorm.DB) error {
	if err := k.Migrate(ctx); err != nil {
		return err
	}
	dialect := db.Dialector.Name()
	own, err := fs.Sub(hostMigrations, "migrations/"+dialect)
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{goose.WithTableName(hostVersionTable)}
	gooseDialect := goose.DialectSQLite3
	if dialect == "postgres" {
		gooseDialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gooseDialect, sqlDB, own, opts...)
	if err == nil {
		_, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", hostVersionTable, err)
	}
	return nil
}
