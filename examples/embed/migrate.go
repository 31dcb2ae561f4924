package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
)

//go:embed migrations
var hostMigrations embed.FS

// migrate runs orgkit's migrations and then the host's own, each with its own goose version
// table: orgkit's first, since the host's table references orgkit_organizations.
func migrate(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	dialect := db.Dialector.Name()
	own, err := fs.Sub(hostMigrations, "migrations/"+dialect)
	if err != nil {
		return err
	}
	gooseDialect := goose.DialectPostgres
	if dialect == "sqlite" {
		gooseDialect = goose.DialectSQLite3
	}
	for _, m := range []struct {
		files fs.FS
		table string
	}{{orgkit.Migrations(dialect), "orgkit_goose_db_version"}, {own, "goose_db_version"}} {
		p, err := goose.NewProvider(gooseDialect, sqlDB, m.files, goose.WithTableName(m.table))
		if err != nil {
			return fmt.Errorf("migrations of %s: %w", m.table, err)
		}
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrations of %s: %w", m.table, err)
		}
	}
	return nil
}
